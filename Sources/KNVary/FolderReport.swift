import Foundation
import KNModel

/// A result that a command writes into its output folder as `report.json` (the value) and `report.txt` (``text``).
public protocol FolderReport: Encodable {
    /// The human summary.
    var text: String { get }
}

extension FolderReport {
    /// Writes `report.json` and `report.txt` into `folder` (each atomically).
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder.nonConforming().encode(self), to: folder.appendingPathComponent("report.json"))
        try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent("report.txt"))
    }
}

extension String {
    /// The string with spaces appended up to `width` characters (unchanged when it is as long already).
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
