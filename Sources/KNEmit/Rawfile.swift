import Foundation

/// Why a SPICE rawfile could not be read.
public enum RawfileError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file cannot be opened.
    case unreadable(path: String, problem: String)
    /// The header is not a rawfile header. `offset` is the byte where the problem is.
    case malformed(path: String, offset: Int, problem: String)
    /// The data section ends early: `offset` is where it ends, `expected` where it should end (−1 when a
    /// text file does not say).
    case truncated(path: String, offset: Int, expected: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, problem): return "\(path): cannot read the rawfile: \(problem)"
        case let .malformed(path, offset, problem): return "\(path): byte \(offset): not a valid rawfile: \(problem)"
        case let .truncated(path, offset, expected):
            let promise = expected >= 0 ? " (its header promises data up to byte \(expected))" : " (in the middle of a line or before all promised values)"
            return "\(path): the rawfile is truncated at byte \(offset)\(promise); the simulator probably stopped while writing it: run it again"
        }
    }
}

/// One variable (column) of a rawfile plot.
public struct RawVariable: Hashable, Sendable {
    /// The name as written (`time`, `v(n1)`, `i(vcm)`).
    public var name: String
    /// The quantity (`time`, `voltage`, `current`, `frequency`, …).
    public var type: String
}

/// One plot (analysis result) of a rawfile.
public struct RawPlot: Sendable {
    public var title: String
    public var date: String
    /// `Transient Analysis`, `AC Analysis`, ….
    public var plotName: String
    /// The words of the `Flags:` line (`real` or `complex`, maybe `forward`, `log`, …).
    public var flags: [String]
    public var variables: [RawVariable]
    public var pointCount: Int
    /// Real parts, point-major: `real[point * variables.count + variable]`.
    public var real: [Double]
    /// Imaginary parts in the same layout for complex plots; empty for real plots.
    public var imaginary: [Double]

    /// Whether the values are complex.
    public var isComplex: Bool { flags.contains("complex") }

    /// The index of a variable by name, case-insensitively (ngspice writes `v(n1)` for `V(n1)`).
    public func index(of name: String) -> Int? {
        let lower = name.lowercased()
        return variables.firstIndex { $0.name.lowercased() == lower }
    }

    /// The index of a node voltage in either flavor: ngspice names it `v(net)`, VACASK plain `net`.
    public func voltageIndex(of net: String) -> Int? {
        index(of: "v(\(net))") ?? index(of: net)
    }

    /// The real parts of one variable over all points.
    public func column(_ variable: Int) -> [Double] {
        let n = variables.count
        return (0..<pointCount).map { real[$0 * n + variable] }
    }

    /// The real parts of the named variable, or `nil` if there is none.
    public func column(named name: String) -> [Double]? { index(of: name).map(column) }

    /// The complex values `(re, im)` of one variable (imaginary parts 0 for a real plot).
    public func complexColumn(_ variable: Int) -> [(re: Double, im: Double)] {
        let n = variables.count
        return (0..<pointCount).map { (real[$0 * n + variable], isComplex ? imaginary[$0 * n + variable] : 0) }
    }
}

/// A SPICE rawfile as ngspice and VACASK write it (VACASK names node voltages without `v(…)`, types them
/// `notype` and writes one analysis per file): one or more plots, each a text header followed by a
/// `Binary:` section (little-endian float64 values, point-major; complex values as re, im pairs) or a
/// `Values:` section (text: the point index, then one value per line; complex values as `re,im`).
public struct Rawfile: Sendable {
    public var plots: [RawPlot]

    /// Reads a rawfile from disk.
    public init(contentsOf url: URL) throws(RawfileError) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw .unreadable(path: url.path, problem: error.localizedDescription)
        }
        try self.init(data: data, path: url.path)
    }

    /// Parses rawfile bytes; `path` names the source in errors.
    public init(data: Data, path: String) throws(RawfileError) {
        var plots: [RawPlot] = []
        let bytes = [UInt8](data)
        var pos = 0
        while true {
            // Skip blank lines between plots.
            while pos < bytes.count, bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x20 { pos += 1 }
            if pos >= bytes.count { break }
            plots.append(try Self.readPlot(bytes, &pos, path))
        }
        guard !plots.isEmpty else { throw .malformed(path: path, offset: 0, problem: "the file is empty") }
        self.plots = plots
    }

    /// The first plot whose name contains `name` (case-insensitive), e.g. `"transient"`.
    public func plot(named name: String) -> RawPlot? {
        plots.first { $0.plotName.lowercased().contains(name.lowercased()) }
    }

    /// The next line and its offset, or `nil` at the end of the data or for a last line without its newline
    /// (which a complete rawfile never has: the writer was cut off).
    private static func readLine(_ b: [UInt8], _ pos: inout Int) -> (String, Int)? {
        guard pos < b.count else { return nil }
        let start = pos
        var scan = pos
        while scan < b.count, b[scan] != 0x0A { scan += 1 }
        guard scan < b.count else { return nil }
        var end = scan
        if end > start, b[end - 1] == 0x0D { end -= 1 }
        pos = scan + 1
        return (String(decoding: b[start..<end], as: UTF8.self), start)
    }

    private static func readPlot(_ b: [UInt8], _ pos: inout Int, _ path: String) throws(RawfileError) -> RawPlot {
        var title = "", date = "", plotName = "", flags: [String] = []
        var nVars: Int?, nPoints: Int?
        var variables: [RawVariable] = []
        let plotStart = pos
        while true {
            guard let (line, at) = readLine(b, &pos) else {
                throw .truncated(path: path, offset: b.count, expected: -1)
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformed(path: path, offset: at, problem: "expected a 'Key: value' header line, found '\(line.prefix(60))'")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "title": title = value
            case "date": date = value
            case "plotname": plotName = value
            case "flags": flags = value.lowercased().split(separator: " ").map(String.init)
            case "no. variables":
                guard let n = Int(value), n > 0 else { throw .malformed(path: path, offset: at, problem: "bad variable count '\(value)'") }
                nVars = n
            case "no. points":
                guard let n = Int(value), n >= 0 else { throw .malformed(path: path, offset: at, problem: "bad point count '\(value)'") }
                nPoints = n
            case "variables":
                guard let n = nVars else { throw .malformed(path: path, offset: at, problem: "'Variables:' comes before 'No. Variables:'") }
                for _ in 0..<n {
                    guard let (vline, vat) = readLine(b, &pos) else {
                        throw .truncated(path: path, offset: b.count, expected: -1)
                    }
                    let f = vline.split(whereSeparator: { $0 == " " || $0 == "\t" })
                    guard f.count >= 3, Int(f[0]) == variables.count else {
                        throw .malformed(path: path, offset: vat, problem: "expected variable \(variables.count) as 'index name type', found '\(vline.prefix(60))'")
                    }
                    variables.append(RawVariable(name: String(f[1]), type: String(f[2])))
                }
            case "binary", "values":
                guard let nv = nVars, let np = nPoints, variables.count == nv else {
                    throw .malformed(path: path, offset: at, problem: "the data section starts before the variables are declared")
                }
                let complex = flags.contains("complex")
                var plot = RawPlot(title: title, date: date, plotName: plotName, flags: flags, variables: variables,
                                   pointCount: np, real: [], imaginary: [])
                if key == "binary" {
                    try readBinary(b, &pos, &plot, complex: complex, path)
                } else {
                    try readASCII(b, &pos, &plot, complex: complex, path)
                }
                return plot
            default:
                // Command:, Option:, Dimensions:, Offset: and other informational lines.
                _ = plotStart
            }
        }
    }

    private static func readBinary(_ b: [UInt8], _ pos: inout Int, _ plot: inout RawPlot, complex: Bool,
                                   _ path: String) throws(RawfileError) {
        let width = complex ? 16 : 8
        // The point count comes from the header: check it against the bytes present before allocating.
        let (count, o1) = plot.pointCount.multipliedReportingOverflow(by: plot.variables.count)
        let (size, o2) = count.multipliedReportingOverflow(by: width)
        let (end, o3) = pos.addingReportingOverflow(size)
        guard !o1, !o2, !o3 else {
            throw .malformed(path: path, offset: pos, problem: "the header promises \(plot.pointCount) points of \(plot.variables.count) variables, more than any file can hold")
        }
        guard size <= b.count - pos else {
            // Report the end of the last whole value.
            let whole = pos + (b.count - pos) / 8 * 8
            throw .truncated(path: path, offset: whole, expected: end)
        }
        var re = [Double](repeating: 0, count: count)
        var im = complex ? [Double](repeating: 0, count: count) : []
        b.withUnsafeBytes { raw in
            for i in 0..<count {
                let o = pos + i * width
                re[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                if complex {
                    im[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self)))
                }
            }
        }
        plot.real = re
        plot.imaginary = im
        pos = end
    }

    private static func readASCII(_ b: [UInt8], _ pos: inout Int, _ plot: inout RawPlot, complex: Bool,
                                  _ path: String) throws(RawfileError) {
        let nv = plot.variables.count
        var re = [Double](), im = [Double]()
        // Every text value takes at least two bytes (a digit and a newline): a header that promises more points
        // than the rest of the file can hold is truncated, and is refused before anything is reserved.
        let (count, overflow) = plot.pointCount.multipliedReportingOverflow(by: nv)
        guard !overflow, count <= (b.count - pos) / 2 else {
            throw .truncated(path: path, offset: b.count, expected: -1)
        }
        re.reserveCapacity(count)
        for p in 0..<plot.pointCount {
            for v in 0..<nv {
                guard var (line, at) = readLine(b, &pos) else {
                    throw .truncated(path: path, offset: b.count, expected: -1)
                }
                // ngspice separates points with an empty line.
                while v == 0, line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    guard let next = readLine(b, &pos) else {
                        throw .truncated(path: path, offset: b.count, expected: -1)
                    }
                    (line, at) = next
                }
                var f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if v == 0 {
                    guard f.count == 2, Int(f[0]) == p else {
                        throw .malformed(path: path, offset: at, problem: "expected point \(p) as 'index value', found '\(line.prefix(60))'")
                    }
                    f.removeFirst()
                }
                guard f.count == 1 else {
                    throw .malformed(path: path, offset: at, problem: "expected one value of variable \(plot.variables[v].name) at point \(p), found '\(line.prefix(60))'")
                }
                let parts = f[0].split(separator: ",")
                let wantParts = complex ? 2 : 1
                guard parts.count == wantParts, let r = Double(parts[0]), !complex || Double(parts[1]) != nil else {
                    throw .malformed(path: path, offset: at, problem: "'\(f[0])' is not a \(complex ? "complex 're,im'" : "real") value of \(plot.variables[v].name) at point \(p)")
                }
                re.append(r)
                if complex { im.append(Double(parts[1])!) }
            }
        }
        plot.real = re
        plot.imaginary = im
    }
}
