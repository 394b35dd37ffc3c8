import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `kn-map pdk characterize` reports.
public struct CharacterizationReport: Sendable {
    public var process: String
    public var tableFile: URL
    public var descriptionFile: URL
    public var fits: [MismatchFit]
    /// Wall-clock seconds of the gm/ID sweeps and of the mismatch Monte Carlo.
    public var sweepSeconds: Double
    public var mismatchSeconds: Double
}

extension Characterizer {
    /// Runs the whole characterization of the process and records it next to the description:
    /// `<name>.gmid.json` (the gm/ID table) and `<characterizedMismatch>` for every MOSFET in
    /// `<name>.xml`, which is validated again before it replaces the old file.
    public func characterizeAndRecord(pairs: Int = 300, seed: Int = 1) throws -> CharacterizationReport {
        let directory = process.fileURL.deletingLastPathComponent()
        let tableFile = directory.appendingPathComponent("\(process.name).gmid.json")
        let start = Date()
        let table = try gmIDTable()
        try table.write(to: tableFile)
        let sweepSeconds = Date().timeIntervalSince(start)
        let mismatchStart = Date()
        let fits = try process.devices.map { try fitMismatch(device: $0.id, pairs: pairs, seed: seed) }
        let mismatchSeconds = Date().timeIntervalSince(mismatchStart)
        try Self.record(fits, lookupTable: tableFile.lastPathComponent, in: process.fileURL)
        return CharacterizationReport(process: process.name, tableFile: tableFile, descriptionFile: process.fileURL,
                                      fits: fits, sweepSeconds: sweepSeconds, mismatchSeconds: mismatchSeconds)
    }

    /// Writes the fitted coefficients (and the table's file name) into a process description file,
    /// replacing earlier ones, and checks the result against the schema before replacing the file.
    public static func record(_ fits: [MismatchFit], lookupTable: String?, in file: URL) throws {
        guard var text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ProcessError.unreadable(file: file.path, reason: "cannot read the description to update it")
        }
        for fit in fits {
            guard let open = text.range(of: "<mosfet id=\"\(fit.device)\""),
                  let close = text.range(of: "</mosfet>", range: open.upperBound..<text.endIndex) else {
                throw ProcessError.unknownName(file: file.path, kind: "mosfet", name: fit.device, known: [])
            }
            var element = String(text[open.lowerBound..<close.lowerBound])
            if let old = element.range(of: #"\n\s*<characterizedMismatch[\s\S]*?</characterizedMismatch>"#,
                                       options: .regularExpression) {
                element.removeSubrange(old)
            }
            element = element.replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
            element += "\n" + block(fit.characterized) + "\n    "
            text.replaceSubrange(open.lowerBound..<close.lowerBound, with: element)
        }
        if let lookupTable {
            let line = "  <lookupTable path=\"\(lookupTable)\"/>"
            if let old = text.range(of: #"  <lookupTable path="[^"]*"/>"#, options: .regularExpression) {
                text.replaceSubrange(old, with: line)
            } else if let end = text.range(of: "</process>", options: .backwards) {
                text.insert(contentsOf: line + "\n", at: end.lowerBound)
            }
        }
        let candidate = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).new")
        try text.write(to: candidate, atomically: true, encoding: .utf8)
        do {
            _ = try ProcessDescription.load(contentsOf: candidate,
                schema: file.deletingLastPathComponent().appendingPathComponent(ProcessDescription.schemaFileName))
        } catch {
            try? FileManager.default.removeItem(at: candidate)
            throw error
        }
        // rename(2) replaces the description atomically.
        guard rename(candidate.path, file.path) == 0 else {
            try? FileManager.default.removeItem(at: candidate)
            throw ProcessError.unreadable(file: file.path, reason: "cannot replace it with the updated description (errno \(errno))")
        }
    }

    static func block(_ mismatch: CharacterizedMismatch) -> String {
        func number(_ value: Double) -> String { String(format: "%.4g", value) }
        func estimate(_ name: String, _ value: Estimate) -> String {
            "        <\(name) value=\"\(number(value.value))\" lower=\"\(number(value.lower))\" upper=\"\(number(value.upper))\"/>"
        }
        var lines = ["      <characterizedMismatch pairsPerGeometry=\"\(mismatch.pairsPerGeometry)\" geometries=\"\(mismatch.geometries)\" simulator=\"\(mismatch.simulator)\" corner=\"\(mismatch.corner)\">"]
        lines.append(estimate("aVT", mismatch.aVT))
        lines.append(estimate("aBeta", mismatch.aBeta))
        for geometry in mismatch.perGeometry {
            lines.append("        <geometry widthUm=\"\(number(geometry.widthUm))\" lengthUm=\"\(number(geometry.lengthUm))\" pairs=\"\(geometry.pairs)\" aVTmVum=\"\(number(geometry.aVT))\" aBetaPercentUm=\"\(number(geometry.aBeta))\"/>")
        }
        lines.append("      </characterizedMismatch>")
        return lines.joined(separator: "\n")
    }
}
