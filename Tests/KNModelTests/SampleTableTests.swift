import Foundation
import Testing
import KNModel

/// CSV inputs read the same whatever the line endings (files written on Windows end lines in CRLF).
struct SampleTableTests {
    func read(_ text: String) throws -> SampleTable {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kn-samples-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try SampleTable.read(from: url)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndingsDoNotMatter(ending: String) throws {
        let table = try read(["x,y", "0.5, -1", "2,3e-1", ""].joined(separator: ending))
        #expect(table.rows == 2 && table.columns == 2)
        #expect(table.samples == [[0.5, -1], [2, 0.3]])
    }

    @Test func aBadValueNamesItsLineInACRLFFile() throws {
        #expect(throws: SampleTableError.self) { try read("1,2\r\n3,x\r\n") }
        do { _ = try read("1,2\r\n3,x\r\n") } catch { #expect("\(error)".contains(":2: field 2"), "\(error)") }
    }
}
