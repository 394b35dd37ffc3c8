/// A topology generator of upstream's `topology.py`, with all its arguments.
///
/// `generate()` reproduces the upstream edge list row for row: the edge order is the column order of the
/// layer's `param` tensor, so it must match exactly.
public enum TopologyGenerator: Hashable, Codable, Sendable {
    /// `_fully_connect(num_node, include_gnd=True, repeat=[r0, r1])`.
    case fullyConnect(numNode: Int, includeGround: Bool, repeat: [Int])
    /// `_simple_connect(num_node, include_gnd=True, repeat=[r0, r1])` (only r0 is used upstream).
    case simpleConnect(numNode: Int, includeGround: Bool, repeat: [Int])
    /// `_neighbor_index(num_channel, width, height, neighbor_size, padding, repeat, sharing, parallel)`.
    case neighborIndex(NeighborArguments)
    /// `_mix_connect(num_channel, width, height, neighbor_size, fully_connect_node, repeat, padding,
    /// kernel_repeat, sharing, parallel)`.
    case mixConnect(NeighborArguments, fullyConnectNode: Int, repeat: [Int])
    /// `_pregiven(source_edge_index, num_node_feature, repeat_across_layer, repeat_within_layer, repeat_to_gnd)`;
    /// `sourceEdgeIndex` is the `[2, M]` graph edge index (0-based node ids).
    case pregiven(sourceEdgeIndex: [[Int]], numNodeFeature: Int, repeatAcrossLayer: Int,
                  repeatWithinLayer: Int, repeatToGround: Int)

    /// The arguments shared by `_neighbor_index` and `_mix_connect`.
    public struct NeighborArguments: Hashable, Codable, Sendable {
        public var numChannel: Int
        public var width: Int
        public var height: Int
        public var neighborSize: Int
        public var padding: Bool
        /// `repeat` of `_neighbor_index`, `kernel_repeat` of `_mix_connect`.
        public var kernelRepeat: Int
        public var sharing: Bool
        public var parallel: Int

        public init(numChannel: Int, width: Int, height: Int, neighborSize: Int, padding: Bool = false,
                    kernelRepeat: Int = 1, sharing: Bool = false, parallel: Int = 1) {
            self.numChannel = numChannel
            self.width = width
            self.height = height
            self.neighborSize = neighborSize
            self.padding = padding
            self.kernelRepeat = kernelRepeat
            self.sharing = sharing
            self.parallel = parallel
        }
    }

    /// Upstream's function name.
    public var upstreamName: String {
        switch self {
        case .fullyConnect: return "_fully_connect"
        case .simpleConnect: return "_simple_connect"
        case .neighborIndex: return "_neighbor_index"
        case .mixConnect: return "_mix_connect"
        case .pregiven: return "_pregiven"
        }
    }

    /// The most edges one layer may have (about 2.4 GB of parameters in float32): far above every published
    /// network (cifar10: 2,054,018), low enough that a mistyped size is refused before memory runs out.
    public static let maximumEdgeCount = 200_000_000

    /// An upper bound of the number of edges `generate()` emits, computed without generating them.
    public var edgeCountBound: Double {
        func pairs(_ rep: [Int]) -> Double { Double(rep.reduce(0) { $0 + max($1, 0) }) }
        func patches(_ a: NeighborArguments) -> (edges: Double, nodes: Double) {
            let pad = a.padding ? Double(a.neighborSize - 1) : 0
            let k = Double(a.neighborSize)
            let positions = max(Double(a.width) + 2 * pad - k + 1, 0) * max(Double(a.height) + 2 * pad - k + 1, 0)
            let n = Double(a.numChannel) * k * k
            return (positions * n * (n - 1) * Double(max(a.kernelRepeat, 0)) * Double(max(a.parallel, 1)),
                    Double(a.numChannel) * Double(a.width) * Double(a.height) * Double(max(a.parallel, 1)))
        }
        switch self {
        case let .fullyConnect(n, _, rep): return Double(n) * Double(n - 1) * pairs(rep)
        case let .simpleConnect(n, _, rep): return Double(n) * Double(max(rep.first ?? 0, 0))
        case let .neighborIndex(a): return patches(a).edges
        case let .mixConnect(a, hidden, rep):
            let (edges, nodes) = patches(a)
            return edges + nodes * pairs(rep) + Double(max(hidden, 0)) * (nodes + 1) * pairs(rep)
        case let .pregiven(sei, features, across, within, toGround):
            let m = Double(sei.first?.count ?? 0)
            let maxNode = Double(sei.joined().max() ?? 0) + 1
            return 2 * m * Double(within) * Double(features) + maxNode * Double(features) * Double(across)
                + 2 * maxNode * Double(features) * Double(toGround)
        }
    }

    /// Generates the edge list exactly as upstream does.
    public func generate() throws(ModelError) -> EdgeList {
        let bound = edgeCountBound
        guard bound <= Double(Self.maximumEdgeCount) else {
            throw .invalid(upstreamName, String(format: "would generate about %.3g edges per layer, above the limit of %d; check its size arguments (num_node, width, height, neighbor_size, repeat)", bound, Self.maximumEdgeCount))
        }
        var list = EdgeList()
        switch self {
        case let .fullyConnect(numNode, includeGround, rep):
            try Self.check(numNode >= 1, "\(upstreamName).num_node", "must be at least 1, got \(numNode)")
            let r = try Self.pair(rep, upstreamName)
            let nodes = includeGround ? 0..<numNode : 1..<(numNode + 1)
            var cnt = 0
            for i in nodes {
                for j in nodes where i != j {
                    for _ in 0..<r.0 { list.append(i, j, cnt); cnt += 1 }
                    for _ in 0..<r.1 { list.append(j, i, cnt); cnt += 1 }
                }
            }
            list.parameterCount = cnt
        case let .simpleConnect(numNode, includeGround, rep):
            try Self.check(numNode >= 1, "\(upstreamName).num_node", "must be at least 1, got \(numNode)")
            let r0 = try Self.pair(rep, upstreamName).0
            let nodes = includeGround ? 0..<numNode : 1..<(numNode + 1)
            var cnt = 0
            for i in nodes {
                for _ in 0..<r0 { list.append(i, i + 1, cnt); cnt += 1 }
            }
            list.parameterCount = cnt
        case let .neighborIndex(args):
            list = try Self.neighborIndex(args)
        case let .mixConnect(args, hidden, rep):
            try Self.check(hidden >= 0, "_mix_connect.fully_connect_node", "must be ≥ 0, got \(hidden)")
            let r = try Self.pair(rep, upstreamName)
            list = try Self.neighborIndex(args)
            var cnt = list.parameterCount
            let maxNode = list.maxNode
            for node in stride(from: 1, through: maxNode, by: 1) {
                for _ in 0..<r.0 { list.append(node, 0, cnt); cnt += 1 }
                for _ in 0..<r.1 { list.append(0, node, cnt); cnt += 1 }
            }
            for node in (maxNode + 1)..<(maxNode + 1 + hidden) {
                for i in 0...maxNode {
                    for _ in 0..<r.0 { list.append(i, node, cnt); cnt += 1 }
                    for _ in 0..<r.1 { list.append(node, i, cnt); cnt += 1 }
                }
            }
            list.parameterCount = cnt
        case let .pregiven(sei, features, across, within, toGround):
            list = try Self.pregiven(sei, features, across, within, toGround)
        }
        try Self.check(list.count > 0, upstreamName, "generates no edges; check its arguments")
        return list
    }

    private static func check(_ ok: Bool, _ place: String, _ problem: String) throws(ModelError) {
        if !ok { throw .invalid(place, problem) }
    }

    private static func pair(_ rep: [Int], _ name: String) throws(ModelError) -> (Int, Int) {
        guard rep.count >= 1, rep.count <= 2, rep.allSatisfy({ $0 >= 0 }) else {
            throw .invalid("\(name).repeat", "must be [r0, r1] with non-negative counts, got \(rep)")
        }
        return (rep[0], rep.count > 1 ? rep[1] : 0)
    }

    /// `torch.nn.functional.unfold` over the node-id image, then every ordered pair inside each patch.
    private static func neighborIndex(_ a: NeighborArguments) throws(ModelError) -> EdgeList {
        let name = "_neighbor_index"
        try check(a.numChannel >= 1 && a.width >= 1 && a.height >= 1, name,
                  "num_channel, width and height must be ≥ 1, got \(a.numChannel), \(a.width), \(a.height)")
        try check(a.neighborSize >= 1, "\(name).neighbor_size", "must be ≥ 1, got \(a.neighborSize)")
        try check(a.kernelRepeat >= 0, "\(name).repeat", "must be ≥ 0, got \(a.kernelRepeat)")
        try check(a.parallel >= 1, "\(name).parallel", "must be ≥ 1, got \(a.parallel)")
        let k = a.neighborSize
        let pad = a.padding ? k - 1 : 0
        let outW = a.width + 2 * pad - k + 1
        let outH = a.height + 2 * pad - k + 1
        try check(outW >= 1 && outH >= 1, "\(name).neighbor_size",
                  "\(k) is larger than the \(a.width)×\(a.height) image")
        let n = a.numChannel * k * k
        var patch = [Int](repeating: 0, count: n)
        var list = EdgeList()
        var cnt = 0
        for pa in 0..<outW {
            for pb in 0..<outH {
                // Unfold's element order inside a patch: j = c·k·k + kr·k + kc.
                for c in 0..<a.numChannel {
                    for kr in 0..<k {
                        for kc in 0..<k {
                            let r = pa + kr - pad, col = pb + kc - pad
                            let inside = r >= 0 && r < a.width && col >= 0 && col < a.height
                            patch[c * k * k + kr * k + kc] = inside ? 1 + c * a.width * a.height + r * a.height + col : 0
                        }
                    }
                }
                var inner = 0
                for j in 0..<n {
                    for l in 0..<n where j != l {
                        if patch[j] != 0 && patch[l] != 0 {
                            for _ in 0..<a.kernelRepeat {
                                if a.sharing {
                                    list.append(patch[j], patch[l], inner)
                                } else {
                                    list.append(patch[j], patch[l], cnt); cnt += 1
                                }
                            }
                        }
                        if a.sharing { inner += 1; cnt = max(cnt, inner) }
                    }
                }
            }
        }
        try check(list.count > 0, name, "generates no edges; check its arguments")
        list.parameterCount = cnt
        guard a.parallel > 1 else { return list }
        // Parallel copies: node ids shift by the largest node id, parameter indices by cnt.
        let incNode = list.maxNode
        let base = list
        for copy in 1..<a.parallel {
            for e in 0..<base.count {
                list.append(Int(base.src[e]) + incNode * copy, Int(base.des[e]) + incNode * copy,
                            Int(base.parameterIndex[e]) + cnt * copy)
            }
        }
        list.parameterCount = Int(list.parameterIndex.max()!) + 1
        return list
    }

    private static func pregiven(_ sei: [[Int]], _ features: Int, _ across: Int, _ within: Int,
                                 _ toGround: Int) throws(ModelError) -> EdgeList {
        let name = "_pregiven"
        try check(sei.count == 2 && sei[0].count == sei[1].count && !sei[0].isEmpty,
                  "\(name).source_edge_index", "must be a [2, M] list of 0-based node ids with M ≥ 1")
        try check(sei.joined().allSatisfy { $0 >= 0 }, "\(name).source_edge_index", "node ids must be ≥ 0")
        try check(features >= 1 && across >= 0 && within >= 0 && toGround >= 0, name,
                  "num_node_feature must be ≥ 1 and the repeats ≥ 0")
        // edge_index = sei.t() + 1, then the reversed pairs, then tiled `within` times.
        var pairs: [(Int, Int)] = zip(sei[0], sei[1]).map { ($0 + 1, $1 + 1) }
        pairs += pairs.map { ($0.1, $0.0) }
        var rows: [(Int, Int)] = []
        for _ in 0..<within { rows += pairs }
        try check(!rows.isEmpty, "\(name).repeat_within_layer", "must be ≥ 1")
        let maxNode = rows.map { max($0.0, $0.1) }.max()!
        let numConnect = rows.count
        // Upstream adds `max_node` (not i·max_node) to the first block each time; reproduced as is.
        for _ in 0..<(features - 1) {
            rows += rows[0..<numConnect].map { ($0.0 + maxNode, $0.1 + maxNode) }
        }
        for j in stride(from: 1, through: maxNode, by: 1) {
            for k in 0..<(features - 1) {
                for _ in 0..<across { rows.append((j + maxNode * k, j + maxNode * (k + 1))) }
            }
        }
        let top = rows.map { max($0.0, $0.1) }.max()!
        for j in 0..<top {
            for _ in 0..<toGround { rows.append((j, 0)); rows.append((0, j)) }
        }
        var list = EdgeList()
        for (e, r) in rows.enumerated() { list.append(r.0, r.1, e) }
        list.parameterCount = rows.count
        return list
    }
}
