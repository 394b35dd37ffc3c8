/// The edges of one layer as three flat columns, in upstream's order.
///
/// Node 0 is ground. `parameterIndex` is the third column of upstream's generated edge list; upstream's
/// `CircuitLayer` gives every edge its own parameter column regardless, and so do we, but the index is
/// kept so that shared-parameter topologies stay visible to the mapper.
public struct EdgeList: Hashable, Codable, Sendable {
    public var src: [Int32] = []
    public var des: [Int32] = []
    public var parameterIndex: [Int32] = []
    /// Upstream's `cnt` return value: the number of distinct parameter indices.
    public var parameterCount: Int = 0

    public init() {}

    public init(src: [Int32], des: [Int32], parameterIndex: [Int32]? = nil) {
        self.src = src
        self.des = des
        self.parameterIndex = parameterIndex ?? (0..<Int32(src.count)).map { $0 }
        self.parameterCount = (self.parameterIndex.max().map { Int($0) + 1 }) ?? 0
    }

    /// The number of edges.
    public var count: Int { src.count }

    /// The largest node index (upstream's `max_node_index`, the state dimension N).
    public var maxNode: Int { Int(max(src.max() ?? 0, des.max() ?? 0)) }

    @inlinable
    public mutating func append(_ s: Int, _ d: Int, _ index: Int) {
        src.append(Int32(s))
        des.append(Int32(d))
        parameterIndex.append(Int32(index))
    }
}
