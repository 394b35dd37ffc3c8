import Testing
import KNModel

@Suite struct SubnetworkTests {
    /// Two layers of four edges on three nodes, each parameter distinct (row·10 + layer·100 + edge).
    static let network: Network = {
        let layers = (0..<2).map { (l: Int) -> Layer in
            let values: [Double] = (0..<12).map { (k: Int) -> Double in Double(100 * l + 10 * (k / 4) + k % 4) }
            return Layer(generator: nil, edges: EdgeList(src: [1, 0, 2, 3], des: [2, 1, 0, 1]),
                         parameters: ParameterMatrix(rows: 3, columns: 4, values: values, precision: .float32))
        }
        return Network(family: .shiftTanh2, layers: layers, anchors: [0, 0.5, 1], block: .augmented, fill: nil,
                       solver: SolverSettings(tolerance: 1e-5), testBench: "twomoon")
    }()

    /// The picked edges keep their nodes, parameters (every row, their precision) and order, over the layer's span.
    @Test func keepsPickedEdgesInOrderOverTheLayerSpan() throws {
        let sub = try Self.network.subnetwork(layer: 1, edges: [2, 0])
        try sub.validate()
        #expect(sub.layers.count == 1 && sub.anchors == [0.5, 1] && sub.block == .plain && sub.fill == .zeros)
        let layer = sub.layers[0]
        #expect(layer.edges.src == [2, 1] && layer.edges.des == [0, 2])
        #expect(layer.parameters.values == [102, 100, 112, 110, 122, 120])
        #expect(layer.parameters.precision == .float32)
        #expect(layer.nodeCount == 2, "node 3 is not touched by the picked edges")
        #expect(sub.solver.tolerance == 1e-5 && sub.testBench == "twomoon" && sub.family == .shiftTanh2)
    }

    /// A layer or an edge out of range, a repeated edge and an empty pick are refused, naming the place.
    @Test func refusesBadPicksNamingThem() {
        #expect(throws: ModelError.invalid("layer 2", "the network has layers 0…1; pick one of them")) {
            try Self.network.subnetwork(layer: 2, edges: [0])
        }
        #expect(throws: ModelError.invalid("layer 0 edge 4", "the layer has edges 0…3")) {
            try Self.network.subnetwork(layer: 0, edges: [1, 4])
        }
        #expect(throws: ModelError.invalid("layer 0 edge 1", "is picked twice; name each edge once")) {
            try Self.network.subnetwork(layer: 0, edges: [1, 1])
        }
        #expect(throws: ModelError.invalid("layer 0", "no edges picked; name at least one edge")) {
            try Self.network.subnetwork(layer: 0, edges: [])
        }
    }
}
