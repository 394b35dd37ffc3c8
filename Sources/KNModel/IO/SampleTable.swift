import Foundation

/// A batch of samples in model units: `rows` samples of `columns` values each, row-major.
///
/// Used for simulator inputs and outputs. Reads CSV, NPY and JSON; writes CSV and JSON.
public struct SampleTable: Hashable, Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns)
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Builds a table from equally long rows.
    public init(_ samples: [[Double]]) throws(SampleTableError) {
        let width = samples.first?.count ?? 0
        if let bad = samples.firstIndex(where: { $0.count != width }) {
            throw .ragged(path: "<memory>", row: bad, expected: width, found: samples[bad].count)
        }
        self.init(rows: samples.count, columns: width, values: samples.flatMap { $0 })
    }

    /// Sample `r`.
    public func row(_ r: Int) -> [Double] { Array(values[(r * columns)..<((r + 1) * columns)]) }

    /// All samples as arrays.
    public var samples: [[Double]] { (0..<rows).map(row) }

    /// Standard normal samples from a seeded generator (reproducible across runs and machines).
    public static func standardNormal(rows: Int, columns: Int, seed: UInt64) -> SampleTable {
        var rng = SeededGenerator(seed: seed)
        return SampleTable(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in rng.nextNormal() })
    }
}

/// Why a sample file cannot be used.
public enum SampleTableError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case unsupportedFormat(path: String)
    case parse(path: String, line: Int, column: Int, text: String)
    case ragged(path: String, row: Int, expected: Int, found: Int)
    case nonFinite(path: String, row: Int, column: Int)
    case npy(path: String, reason: String)
    case json(path: String, reason: String)
    case empty(path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .unsupportedFormat(path):
            return "\(path): unknown sample format; use a .csv, .npy or .json file"
        case let .parse(path, line, column, text):
            return "\(path):\(line): field \(column) '\(text)' is not a number; write plain decimal numbers separated by commas"
        case let .ragged(path, row, expected, found):
            return "\(path): sample \(row) has \(found) values but the first has \(expected); every sample needs the same width"
        case let .nonFinite(path, row, column):
            return "\(path): sample \(row), value \(column) is NaN or infinite; inputs must be finite"
        case let .npy(path, reason): return "\(path): not a usable .npy array: \(reason)"
        case let .json(path, reason): return "\(path): \(reason)"
        case let .empty(path): return "\(path): holds no samples"
        }
    }
}

extension SampleTable {
    /// Reads samples from a `.csv` (one sample per line, optional header line), `.npy` (1-D or 2-D, C order,
    /// float32/float64/integer), or `.json` file (an array of arrays, or an object whose `inputs` is one).
    public static func read(from url: URL) throws(SampleTableError) -> SampleTable {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: path, reason: error.localizedDescription) }
        let table: SampleTable
        switch url.pathExtension.lowercased() {
        case "csv", "txt": table = try parseCSV(data, path: path)
        case "npy": table = try parseNPY(data, path: path)
        case "json": table = try parseJSON(data, path: path)
        default: throw .unsupportedFormat(path: path)
        }
        guard table.rows > 0, table.columns > 0 else { throw .empty(path: path) }
        if let i = table.values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(path: path, row: i / table.columns, column: i % table.columns)
        }
        return table
    }

    static func parseCSV(_ data: Data, path: String) throws(SampleTableError) -> SampleTable {
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(path: path, reason: "not UTF-8 text") }
        var rows: [[Double]] = []
        // Lines end in LF, CRLF or CR (a Swift Character "\r\n" is one newline, not "\r" then "\n").
        for (n, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            var row: [Double] = []
            for (c, f) in fields.enumerated() {
                guard let v = Double(f) else {
                    if rows.isEmpty && row.isEmpty { break }  // a header line
                    throw .parse(path: path, line: n + 1, column: c + 1, text: f)
                }
                row.append(v)
            }
            if row.isEmpty { continue }
            if let first = rows.first, first.count != row.count {
                throw .ragged(path: path, row: rows.count, expected: first.count, found: row.count)
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw .empty(path: path) }
        return SampleTable(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })
    }

    static func parseNPY(_ data: Data, path: String) throws(SampleTableError) -> SampleTable {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw .npy(path: path, reason: "missing the \\x93NUMPY magic at byte 0")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw .npy(path: path, reason: "truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .ascii) else {
            throw .npy(path: path, reason: "truncated header")
        }
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let q1 = descrField.firstIndex(of: "'"),
              let q2 = descrField[descrField.index(after: q1)...].firstIndex(of: "'") else {
            throw .npy(path: path, reason: "header has no descr")
        }
        let descr = String(descrField[descrField.index(after: q1)..<q2])
        if let fo = field("fortran_order"), fo.hasPrefix("True") {
            throw .npy(path: path, reason: "Fortran-order arrays are not supported; save with numpy.ascontiguousarray")
        }
        // The closing parenthesis is searched after the opening one (the fuzzer found a header with ')' first,
        // which made an inverted range and crashed).
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
              let close = shapeField[open...].firstIndex(of: ")") else {
            throw .npy(path: path, reason: "header has no shape tuple; save the array again with numpy.save")
        }
        let parts = shapeField[shapeField.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let dims = parts.compactMap { Int($0) }
        guard dims.count == parts.count else {
            throw .npy(path: path, reason: "shape (\(parts.joined(separator: ", "))) is not a tuple of integers; save the array again with numpy.save")
        }
        guard dims.count == 1 || dims.count == 2 else {
            throw .npy(path: path, reason: "shape \(dims) must be (samples, values) or (values,)")
        }
        let rows = dims.count == 2 ? dims[0] : 1, columns = dims.last!
        // The shape comes from the file: refuse a negative or overflowing one before anything is allocated.
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow else {
            throw .npy(path: path, reason: "shape \(dims) is negative or too large; save the array again with numpy.save")
        }
        let body = headerStart + headerLength
        let bigEndian = descr.hasPrefix(">")
        let kind = descr.dropFirst()
        let width: Int
        switch kind {
        case "f4", "i4", "u4": width = 4
        case "f8", "i8", "u8": width = 8
        case "f2", "i2", "u2": width = 2
        case "u1", "i1", "b1": width = 1
        default: throw .npy(path: path, reason: "dtype '\(descr)' is not supported; use float32 or float64")
        }
        guard count <= (bytes.count - body) / width else {
            throw .npy(path: path, reason: "data truncated: \(bytes.count - body) bytes for \(count) values of \(width) bytes; the file is incomplete, save the array again with numpy.save")
        }
        let values: [Double] = bytes.withUnsafeBytes { raw in
            let b = UnsafeRawBufferPointer(rebasing: raw[body...])
            switch kind {
            case "f4": return StoragePrecision.float32.decode(b, count: count, bigEndian: bigEndian)
            case "f8": return StoragePrecision.float64.decode(b, count: count, bigEndian: bigEndian)
            case "f2": return StoragePrecision.float16.decode(b, count: count, bigEndian: bigEndian)
            default:
                return (0..<count).map { i -> Double in
                    var v: UInt64 = 0
                    for k in 0..<width {
                        let byte = UInt64(b[i * width + (bigEndian ? width - 1 - k : k)])
                        v |= byte << (8 * UInt64(k))
                    }
                    if kind.hasPrefix("i") && width < 8 && (v >> (8 * UInt64(width) - 1)) & 1 == 1 {
                        v |= ~((UInt64(1) << (8 * UInt64(width))) - 1)
                    }
                    return kind.hasPrefix("i") ? Double(Int64(bitPattern: v)) : Double(v)
                }
            }
        }
        return SampleTable(rows: rows, columns: columns, values: values)
    }

    static func parseJSON(_ data: Data, path: String) throws(SampleTableError) -> SampleTable {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .json(path: path, reason: "not valid JSON: \(error.localizedDescription)")
        }
        var array = object as? [Any]
        if array == nil, let dict = object as? [String: Any] { array = dict["inputs"] as? [Any] }
        guard let list = array else {
            throw .json(path: path, reason: "expected an array of samples, or an object with an \"inputs\" array")
        }
        var rows: [[Double]] = []
        for (r, item) in list.enumerated() {
            let row: [Double]
            if let n = item as? NSNumber { row = [n.doubleValue] }
            else if let a = item as? [Any] {
                var values: [Double] = []
                for (c, x) in a.enumerated() {
                    guard let n = x as? NSNumber else {
                        throw .json(path: path, reason: "sample \(r), value \(c) is not a number")
                    }
                    values.append(n.doubleValue)
                }
                row = values
            } else { throw .json(path: path, reason: "sample \(r) is not an array of numbers") }
            if let first = rows.first, first.count != row.count {
                throw .ragged(path: path, row: r, expected: first.count, found: row.count)
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw .empty(path: path) }
        return SampleTable(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })
    }
}
