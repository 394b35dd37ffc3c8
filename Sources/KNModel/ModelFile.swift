import Foundation

/// The native model file (`.knm`): one versioned file with a network's topology, parameters and simulation
/// settings, written by `kn-map import` and read by every other command.
///
/// Layout (all integers little endian):
/// ```
/// 0   8 bytes  magic "KNMODEL\n"
/// 8   u32      format version (currently 1)
/// 12  u32      reserved, 0
/// 16  u64      H, length of the JSON header
/// 24  H bytes  UTF-8 JSON header (`ModelFile.Header`)
/// …   blobs, each starting at a multiple of 64 bytes from the file start
/// ```
/// The header holds every setting and, per layer, where its four columns are: `src`, `des` and
/// `parameterIndex` as i32 arrays, and `parameters` as the `(P, E)` row-major matrix in its storage precision.
/// Values are stored exactly as imported, so a round trip is lossless.
public enum ModelFile {
    public static let magic = Array("KNMODEL\n".utf8)
    public static let version: UInt32 = 1
    public static let fileExtension = "knm"

    /// Where one array lives in the file.
    public struct Blob: Codable, Hashable, Sendable {
        public var offset: Int
        public var count: Int
    }

    /// The layer entry of the header.
    public struct LayerEntry: Codable, Hashable, Sendable {
        public var generator: TopologyGenerator?
        public var edgeCount: Int
        public var parameterCount: Int
        public var parameterRows: Int
        public var precision: StoragePrecision
        public var src: Blob
        public var des: Blob
        public var parameterIndex: Blob
        public var parameters: Blob
    }

    /// The JSON header.
    public struct Header: Codable, Hashable, Sendable {
        public var format = "kn-model"
        public var version = Int(ModelFile.version)
        public var family: EdgeFamily
        public var anchors: [Double]
        public var block: BlockKind
        public var fill: Fill?
        public var residual: [Int]?
        public var encoder: MultilayerPerceptron?
        public var projectors: [Projector]
        public var solver: SolverSettings
        public var testBench: String?
        public var layers: [LayerEntry]
    }

    /// Serialises a network.
    public static func encode(_ network: Network) throws -> Data {
        // Lay the blobs out first (their offsets depend on the header length, so iterate to a fixed point).
        var blobs: [Data] = []
        for layer in network.layers {
            blobs.append(int32Data(layer.edges.src))
            blobs.append(int32Data(layer.edges.des))
            blobs.append(int32Data(layer.edges.parameterIndex))
            blobs.append(layer.parameters.precision.encode(layer.parameters.values))
        }
        var headerLength = 0
        var headerData = Data()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for _ in 0..<4 {
            var offset = align(24 + headerLength)
            var entries: [LayerEntry] = []
            for (l, layer) in network.layers.enumerated() {
                var b: [Blob] = []
                for k in 0..<4 {
                    let data = blobs[l * 4 + k]
                    let width = k == 3 ? layer.parameters.precision.byteWidth : 4
                    b.append(Blob(offset: offset, count: data.count / width))
                    offset = align(offset + data.count)
                }
                entries.append(LayerEntry(generator: layer.generator, edgeCount: layer.edgeCount,
                                          parameterCount: layer.edges.parameterCount,
                                          parameterRows: layer.parameters.rows, precision: layer.parameters.precision,
                                          src: b[0], des: b[1], parameterIndex: b[2], parameters: b[3]))
            }
            let header = Header(family: network.family, anchors: network.anchors, block: network.block,
                                fill: network.fill, residual: network.residual, encoder: network.encoder,
                                projectors: network.projectors, solver: network.solver,
                                testBench: network.testBench, layers: entries)
            headerData = try encoder.encode(header)
            if headerData.count == headerLength { break }
            headerLength = headerData.count
        }
        var out = Data(magic)
        appendLE(&out, version)
        appendLE(&out, UInt32(0))
        appendLE(&out, UInt64(headerData.count))
        out.append(headerData)
        for blob in blobs {
            out.append(Data(count: align(out.count) - out.count))
            out.append(blob)
        }
        return out
    }

    /// Writes a network to `url` atomically.
    public static func write(_ network: Network, to url: URL) throws {
        try AtomicFile.write(try encode(network), to: url)
    }

    /// Reads a network from `url`.
    public static func read(from url: URL) throws -> Network {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ModelError.unreadableModelFile(path: url.path, problem: "cannot open: \(error.localizedDescription)")
        }
        return try decode(data, path: url.path)
    }

    /// Parses a model file's bytes. `path` is used in error messages.
    public static func decode(_ data: Data, path: String = "<model>") throws(ModelError) -> Network {
        func fail(_ problem: String) -> ModelError { .unreadableModelFile(path: path, problem: problem) }
        guard data.count >= 24, Array(data.prefix(8)) == magic else {
            throw fail("not a kn-toolkit model file (no KNMODEL magic); create one with `kn-map import`")
        }
        let (version, headerLength): (UInt32, UInt64) = data.withUnsafeBytes {
            (UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
             UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        }
        guard version == ModelFile.version else {
            throw fail("format version \(version) is not supported (this kn-map reads version \(ModelFile.version)); re-import the checkpoint")
        }
        guard headerLength <= UInt64(data.count - 24) else {
            throw fail("byte 16: the header length \(headerLength) exceeds the \(data.count)-byte file (truncated or damaged); re-import the checkpoint with `kn-map import`")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data.subdata(in: 24..<(24 + Int(headerLength))))
        } catch {
            throw fail("byte 24: the JSON header is damaged (\(describe(error))); re-import the checkpoint with `kn-map import`")
        }
        var layers: [Layer] = []
        for (l, e) in header.layers.enumerated() {
            // Every size comes from the file: check it against the bytes present, without overflow, before use.
            func range(_ b: Blob, _ width: Int, _ name: String) throws(ModelError) -> Range<Int> {
                let (bytes, overflow) = b.count.multipliedReportingOverflow(by: width)
                guard b.offset >= 24, b.count >= 0, !overflow, b.offset <= data.count, bytes <= data.count - b.offset else {
                    throw fail("layer \(l) \(name): \(b.count) values of \(width) bytes at byte \(b.offset) lie outside the \(data.count)-byte file (truncated or damaged); re-import the checkpoint")
                }
                return b.offset..<(b.offset + bytes)
            }
            let (cells, overflow) = e.edgeCount.multipliedReportingOverflow(by: e.parameterRows)
            guard e.edgeCount >= 0, e.parameterRows >= 0, !overflow, e.src.count == e.edgeCount,
                  e.des.count == e.edgeCount, e.parameterIndex.count == e.edgeCount, e.parameters.count == cells else {
                throw fail("layer \(l): column lengths disagree with edgeCount \(e.edgeCount); re-import the checkpoint")
            }
            let rs = try range(e.src, 4, "src"), rd = try range(e.des, 4, "des")
            let ri = try range(e.parameterIndex, 4, "parameterIndex")
            let rp = try range(e.parameters, e.precision.byteWidth, "parameters")
            var edges = EdgeList()
            edges.src = int32Array(data, rs)
            edges.des = int32Array(data, rd)
            edges.parameterIndex = int32Array(data, ri)
            edges.parameterCount = e.parameterCount
            let values = data[rp].withUnsafeBytes { e.precision.decode($0, count: e.parameters.count) }
            layers.append(Layer(generator: e.generator, edges: edges,
                                parameters: ParameterMatrix(rows: e.parameterRows, columns: e.edgeCount,
                                                            values: values, precision: e.precision)))
        }
        let network = Network(family: header.family, layers: layers, anchors: header.anchors, block: header.block,
                              fill: header.fill, residual: header.residual, encoder: header.encoder,
                              projectors: header.projectors, solver: header.solver, testBench: header.testBench)
        do { try network.validate() } catch { throw fail("invalid network: \(error)") }
        return network
    }

    /// One line for a header decoding error: the key path and what was wrong there.
    private static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error as? DecodingError {
        case let .keyNotFound(key, context)?: return "\(path(context.codingPath + [key])) is missing"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?, let .dataCorrupted(context)?:
            return "at \(path(context.codingPath)): \(context.debugDescription)"
        default:
            return String(describing: error).replacingOccurrences(of: "\n", with: " ")
        }
    }

    private static func align(_ n: Int) -> Int { (n + 63) & ~63 }

    private static func appendLE<T: FixedWidthInteger>(_ data: inout Data, _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func int32Data(_ a: [Int32]) -> Data {
        a.withUnsafeBufferPointer { buf in
            Data(buffer: UnsafeBufferPointer(start: buf.baseAddress, count: buf.count))
        }
    }

    private static func int32Array(_ data: Data, _ r: Range<Int>) -> [Int32] {
        data[r].withUnsafeBytes { raw in
            (0..<(r.count / 4)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
    }
}
