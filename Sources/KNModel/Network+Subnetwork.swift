extension Network {
    /// A one-layer network made of some edges of one layer: the reduced circuits a designer simulates at
    /// transistor level before the whole chip (a Monte Carlo of 60 edges, a CI case of 10).
    ///
    /// The picked edges keep their node numbers, their parameters (at their storage precision) and their order;
    /// the new network runs over layer `layer`'s span (`[anchors[layer], anchors[layer + 1]]`) as a plain block
    /// without encoder, projector or residual, and pads narrower inputs with zeros (`fill: zeros`), so the full
    /// network's inputs can be given to it unchanged. Its node count is the largest node the picked edges touch.
    ///
    /// - Parameters:
    ///   - layer: the layer the edges come from (0-based).
    ///   - edges: edge indices within that layer, each at most once.
    /// - Throws: ``ModelError/invalid(_:_:)`` naming the layer or the edge when an index is out of range or
    ///   repeated, or when `edges` is empty.
    public func subnetwork(layer: Int, edges picked: [Int]) throws(ModelError) -> Network {
        guard layers.indices.contains(layer) else {
            throw .invalid("layer \(layer)", "the network has layers 0…\(layers.count - 1); pick one of them")
        }
        let source = layers[layer]
        guard !picked.isEmpty else { throw .invalid("layer \(layer)", "no edges picked; name at least one edge") }
        var seen = Set<Int>()
        for e in picked {
            guard (0..<source.edgeCount).contains(e) else {
                throw .invalid("layer \(layer) edge \(e)", "the layer has edges 0…\(source.edgeCount - 1)")
            }
            guard seen.insert(e).inserted else { throw .invalid("layer \(layer) edge \(e)", "is picked twice; name each edge once") }
        }
        let p = source.parameters
        let n = picked.count
        var values = [Double](repeating: 0, count: p.rows * n)
        for (k, e) in picked.enumerated() {
            for r in 0..<p.rows { values[r * n + k] = p[r, e] }
        }
        let edgeList = EdgeList(src: picked.map { source.edges.src[$0] }, des: picked.map { source.edges.des[$0] })
        let reduced = Layer(generator: nil, edges: edgeList,
                            parameters: ParameterMatrix(rows: p.rows, columns: n, values: values, precision: p.precision))
        return Network(family: family, layers: [reduced], anchors: [anchors[layer], anchors[layer + 1]], block: .plain,
                       fill: .zeros, solver: solver, testBench: testBench)
    }
}
