import Foundation
import KNModel

/// The cells of one layer, stored as columns (one row per edge that carries current, in edge order): a
/// 230k-edge layer is a handful of flat arrays, not 230k objects.
///
/// Row `c` is the cell of edge ``edge``[c]; `fingers[c * slotCount + s]` is the number of parallel fingers
/// of slot `s` (0: absent), `series[...]` the number of series units (resistor slots; 1 otherwise),
/// `bias[c * biasCount + b]` the bias reference current in amperes, `ports[c * portCount + p]` the
/// ``PortBinding`` of per-cell port `p`, and `design[c * designCount + d]` the electrical design values
/// named by the kind. ``cell(_:)`` materialises one row.
public struct CellTable: Codable, Sendable {
    /// The ``CellKind/name``.
    public var kind: String
    public var slotCount: Int
    public var biasCount: Int
    public var portCount: Int
    public var designCount: Int
    public var edge: [Int32] = []
    public var src: [Int32] = []
    public var des: [Int32] = []
    /// The target parameters p0, p1, p2 of each edge.
    public var parameters: [Double] = []
    public var fingers: [Int32] = []
    public var series: [Int32] = []
    public var bias: [Double] = []
    public var ports: [UInt8] = []
    public var design: [Double] = []

    public init(kind: CellKind) {
        self.kind = kind.name
        slotCount = kind.slots.count
        biasCount = kind.biases.count
        portCount = kind.cellPorts.count
        designCount = kind.designValues.count
    }

    public var count: Int { edge.count }

    /// Appends one cell.
    public mutating func append(_ cell: Cell) {
        precondition(cell.fingers.count == slotCount && cell.bias.count == biasCount && cell.ports.count == portCount
                     && cell.design.count == designCount)
        edge.append(Int32(cell.edge)); src.append(Int32(cell.src)); des.append(Int32(cell.des))
        parameters += [cell.p0, cell.p1, cell.p2]
        fingers += cell.fingers.map(Int32.init)
        series += cell.series.map(Int32.init)
        bias += cell.bias
        ports += cell.ports.map(\.rawValue)
        design += cell.design
    }

    /// Row `c` as a value.
    public func cell(_ c: Int) -> Cell {
        Cell(edge: Int(edge[c]), src: Int(src[c]), des: Int(des[c]),
             p0: parameters[3 * c], p1: parameters[3 * c + 1], p2: parameters[3 * c + 2],
             fingers: fingers[(c * slotCount)..<((c + 1) * slotCount)].map(Int.init),
             series: series[(c * slotCount)..<((c + 1) * slotCount)].map(Int.init),
             bias: Array(bias[(c * biasCount)..<((c + 1) * biasCount)]),
             ports: ports[(c * portCount)..<((c + 1) * portCount)].map { PortBinding(rawValue: $0) ?? .vcm },
             design: Array(design[(c * designCount)..<((c + 1) * designCount)]))
    }

    /// Replaces row `c`.
    public mutating func replace(_ c: Int, with cell: Cell) {
        parameters.replaceSubrange((3 * c)..<(3 * c + 3), with: [cell.p0, cell.p1, cell.p2])
        fingers.replaceSubrange((c * slotCount)..<((c + 1) * slotCount), with: cell.fingers.map(Int32.init))
        series.replaceSubrange((c * slotCount)..<((c + 1) * slotCount), with: cell.series.map(Int32.init))
        bias.replaceSubrange((c * biasCount)..<((c + 1) * biasCount), with: cell.bias)
        ports.replaceSubrange((c * portCount)..<((c + 1) * portCount), with: cell.ports.map(\.rawValue))
        design.replaceSubrange((c * designCount)..<((c + 1) * designCount), with: cell.design)
    }

    /// Bias currents of one bias slot over all cells.
    public func biasCurrents(slot: Int) -> [Double] {
        stride(from: slot, to: bias.count, by: max(biasCount, 1)).map { bias[$0] }
    }

    /// Total fingers (series units counted) of all cells (see also the binary coding in ``encode(to:)``).
    public var fingerTotal: Int {
        var total = 0
        for i in fingers.indices { total += Int(fingers[i]) * Int(series[i]) }
        return total
    }
}

/// One mapped edge: the sizes of its kind's slots, its bias currents, port bindings and design values.
public struct Cell: Codable, Sendable, Hashable {
    /// Edge index within its layer, and the edge's nodes.
    public var edge: Int
    public var src: Int
    public var des: Int
    /// The edge's target parameters.
    public var p0: Double
    public var p1: Double
    public var p2: Double
    /// Per slot: parallel fingers (0: slot absent) and series units.
    public var fingers: [Int]
    public var series: [Int]
    /// Per bias slot: amperes.
    public var bias: [Double]
    /// Per cell port: what it connects to.
    public var ports: [PortBinding]
    /// The kind's design values.
    public var design: [Double]
}

extension Cell {
    /// The calibration correction the cell was built with (the last design values of its kind).
    public func correction(kind: CellKind) -> CellCorrection {
        let d = design
        if kind.name == "tanh2" { return CellCorrection(gain: d[d.count - 2], offset: d[d.count - 1], amplitude: d[d.count - 3]) }
        return CellCorrection(gain: d[d.count - 2], offset: d[d.count - 1])
    }
}

// In `circuit.json` every column is one base64 string of little-endian binary values (a 460k-cell layer
// would otherwise be 100 million JSON numbers): `edge`, `src`, `des` Int32; `parameters`, `bias`, `design`
// Float64; `fingers` UInt16 (`fingers32`, Int32, when a slot has more than 65535); `ports` UInt8; `series` only where it is not 1, as `seriesIndex` UInt32 and
// `seriesValue` UInt16.
extension CellTable {
    enum CodingKeys: String, CodingKey {
        case kind, slotCount, biasCount, portCount, designCount, count
        case edge, src, des, parameters, fingers, fingers32, seriesIndex, seriesValue, bias, ports, design
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        slotCount = try c.decode(Int.self, forKey: .slotCount)
        biasCount = try c.decode(Int.self, forKey: .biasCount)
        portCount = try c.decode(Int.self, forKey: .portCount)
        designCount = try c.decode(Int.self, forKey: .designCount)
        let count = try c.decode(Int.self, forKey: .count)
        func column<T: FixedWidthInteger>(_ key: CodingKeys, _ type: T.Type, _ expected: Int) throws -> [T] {
            let values: [T] = Self.unpack(try c.decode(Data.self, forKey: key))
            guard values.count == expected else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "column \(key.stringValue) has \(values.count) values, expected \(expected)")
            }
            return values
        }
        func doubles(_ key: CodingKeys, _ expected: Int) throws -> [Double] {
            try column(key, UInt64.self, expected).map { Double(bitPattern: $0) }
        }
        edge = try column(.edge, Int32.self, count)
        src = try column(.src, Int32.self, count)
        des = try column(.des, Int32.self, count)
        parameters = try doubles(.parameters, 3 * count)
        fingers = c.contains(.fingers32) ? try column(.fingers32, Int32.self, count * slotCount)
                                         : try column(.fingers, UInt16.self, count * slotCount).map(Int32.init)
        series = Array(repeating: 1, count: count * slotCount)
        let seriesIndex: [UInt32] = Self.unpack(try c.decode(Data.self, forKey: .seriesIndex))
        let seriesValue: [UInt16] = Self.unpack(try c.decode(Data.self, forKey: .seriesValue))
        guard seriesIndex.count == seriesValue.count, seriesIndex.allSatisfy({ Int($0) < series.count }) else {
            throw DecodingError.dataCorruptedError(forKey: .seriesIndex, in: c, debugDescription: "series indices and values do not match the table")
        }
        for (i, v) in zip(seriesIndex, seriesValue) { series[Int(i)] = Int32(v) }
        bias = try doubles(.bias, count * biasCount)
        ports = try column(.ports, UInt8.self, count * portCount)
        design = try doubles(.design, count * designCount)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(slotCount, forKey: .slotCount)
        try c.encode(biasCount, forKey: .biasCount)
        try c.encode(portCount, forKey: .portCount)
        try c.encode(designCount, forKey: .designCount)
        try c.encode(count, forKey: .count)
        try c.encode(Self.pack(edge), forKey: .edge)
        try c.encode(Self.pack(src), forKey: .src)
        try c.encode(Self.pack(des), forKey: .des)
        try c.encode(Self.pack(parameters.map(\.bitPattern)), forKey: .parameters)
        if fingers.allSatisfy({ $0 >= 0 && $0 <= Int32(UInt16.max) }) {
            try c.encode(Self.pack(fingers.map { UInt16($0) }), forKey: .fingers)
        } else {
            try c.encode(Self.pack(fingers), forKey: .fingers32)
        }
        var index: [UInt32] = [], value: [UInt16] = []
        for (i, v) in series.enumerated() where v != 1 { index.append(UInt32(i)); value.append(UInt16(clamping: v)) }
        try c.encode(Self.pack(index), forKey: .seriesIndex)
        try c.encode(Self.pack(value), forKey: .seriesValue)
        try c.encode(Self.pack(bias.map(\.bitPattern)), forKey: .bias)
        try c.encode(Self.pack(ports), forKey: .ports)
        try c.encode(Self.pack(design.map(\.bitPattern)), forKey: .design)
    }

    static func pack<T: FixedWidthInteger>(_ values: [T]) -> Data {
        values.map(\.littleEndian).withUnsafeBytes { Data($0) }
    }

    static func unpack<T: FixedWidthInteger>(_ data: Data) -> [T] {
        let count = data.count / MemoryLayout<T>.size
        var values = [T](repeating: 0, count: count)
        _ = values.withUnsafeMutableBytes { data.copyBytes(to: $0, count: count * MemoryLayout<T>.size) }
        return values.map { T(littleEndian: $0) }
    }
}
