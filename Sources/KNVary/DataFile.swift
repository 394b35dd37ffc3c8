import Foundation
import KNModel

/// Reads user data for accuracy and retraining: IDX files (the MNIST format: `*-ubyte`, `.idx`, magic
/// `00 00 <type> <dims>`), or anything ``KNModel/SampleTable`` reads (CSV, NPY, JSON).
///
/// IDX unsigned bytes are scaled to [0, 1] (÷ 255) for images (rank ≥ 2) and kept as integers for labels (rank 1).
public enum DataFile {
    public static func read(_ url: URL) throws -> SampleTable {
        let name = url.lastPathComponent.lowercased()
        if name.hasSuffix("ubyte") || name.hasSuffix(".idx") || name.contains(".idx") {
            return try readIDX(url)
        }
        do { return try SampleTable.read(from: url) } catch {
            throw VaryError.invalid(url.path, "\(error)")
        }
    }

    /// Labels: the first column of a data file, as integers.
    public static func labels(_ url: URL) throws -> [Int] {
        let t = try read(url)
        return try (0..<t.rows).map { r in
            let v = t.values[r * t.columns]
            guard v.isFinite, v == v.rounded(), v >= 0 else {
                throw VaryError.invalid("\(url.path) row \(r)", "label \(v) is not a non-negative integer")
            }
            return Int(v)
        }
    }

    static func readIDX(_ url: URL) throws -> SampleTable {
        let d: [UInt8]
        do { d = [UInt8](try Data(contentsOf: url)) } catch {
            throw VaryError.invalid(url.path, "cannot read: \(error.localizedDescription)")
        }
        guard d.count >= 4, d[0] == 0, d[1] == 0 else {
            throw VaryError.invalid(url.path, "is not an IDX file (magic must start with two zero bytes)")
        }
        let type = d[2], rank = Int(d[3])
        guard rank >= 1, d.count >= 4 + 4 * rank else { throw VaryError.invalid(url.path, "truncated IDX header") }
        var dims = [Int]()
        for k in 0..<rank {
            let o = 4 + 4 * k
            dims.append(Int(d[o]) << 24 | Int(d[o + 1]) << 16 | Int(d[o + 2]) << 8 | Int(d[o + 3]))
        }
        let rows = dims[0], columns = dims.dropFirst().reduce(1, *)
        let width: Int
        switch type {
        case 0x08, 0x09: width = 1
        case 0x0B: width = 2
        case 0x0C, 0x0D: width = 4
        case 0x0E: width = 8
        default: throw VaryError.invalid(url.path, "IDX element type 0x\(String(type, radix: 16)) is not one of 08 09 0B 0C 0D 0E")
        }
        let start = 4 + 4 * rank
        guard d.count >= start + rows * columns * width else {
            throw VaryError.invalid(url.path, "IDX data is truncated: needs \(rows * columns * width) bytes after the header, has \(d.count - start)")
        }
        var values = [Double](repeating: 0, count: rows * columns)
        for k in 0..<(rows * columns) {
            let o = start + k * width
            var raw: UInt64 = 0
            for b in 0..<width { raw = raw << 8 | UInt64(d[o + b]) }
            switch type {
            case 0x08: values[k] = Double(d[o])
            case 0x09: values[k] = Double(Int8(bitPattern: d[o]))
            case 0x0B: values[k] = Double(Int16(truncatingIfNeeded: raw))
            case 0x0C: values[k] = Double(Int32(truncatingIfNeeded: raw))
            case 0x0D: values[k] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
            default: values[k] = Double(bitPattern: raw)
            }
        }
        if type == 0x08 && rank >= 2 { values = values.map { $0 / 255 } }
        return SampleTable(rows: rows, columns: columns, values: values)
    }
}
