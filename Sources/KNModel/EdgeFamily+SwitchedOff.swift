import Foundation

extension EdgeFamily {
    /// Whether an edge with parameters `(p0, p1, p2)` carries zero current at every pair of node voltages
    /// (exactly, not approximately): such an edge is absent from the circuit and has no mismatch.
    public func carriesNoCurrent(p0: Double, p1: Double, p2: Double) -> Bool {
        switch self {
        case .shiftTanh1: return p0 == 0 && p1 == 0
        case .shiftTanh2, .shiftLeakyRelu2: return p0 == 0 && p1 == 0 && p2 == 0
        case .shiftRelu1, .shiftLeakyRelu1: return p1 == 0
        case .shiftRelu2: return p0 == 0 && p1 == 0 && p2 <= 0
        case .conductance: return p0 == 0
        case let .device(negation, activation):
            return negation ? p1 == 0 && activation.valueAndSlope(p0).value == 0
                : p0 == 0 && p1 == 0 && activation.valueAndSlope(p2).value == 0
        }
    }
}

extension Layer {
    /// The parameters `(p0, p1, p2)` of edge `edge`, through its parameter column (0 for rows the family does
    /// not store).
    public func edgeParameters(_ e: Int) -> (p0: Double, p1: Double, p2: Double) {
        let c = Int(edges.parameterIndex[e])
        return (parameters[0, c], parameters.rows > 1 ? parameters[1, c] : 0, parameters.rows > 2 ? parameters[2, c] : 0)
    }
}

extension Network {
    /// The parameters `(p0, p1, p2)` of edge `edge` of layer `layer` (0 for rows the family does not store).
    public func edgeParameters(layer l: Int, edge e: Int) -> (p0: Double, p1: Double, p2: Double) {
        layers[l].edgeParameters(e)
    }

    /// Whether edge `edge` of layer `layer` carries no current at any voltage (switched off, for example
    /// pruned in training): the circuit builds no cell for it.
    public func carriesNoCurrent(layer l: Int, edge e: Int) -> Bool {
        let p = edgeParameters(layer: l, edge: e)
        return family.carriesNoCurrent(p0: p.p0, p1: p.p1, p2: p.p2)
    }

    /// Per layer, the number of edges that carry current: the cells a mapped circuit of the network has.
    public var cellCounts: [Int] {
        layers.indices.map { l in (0..<layers[l].edgeCount).filter { !carriesNoCurrent(layer: l, edge: $0) }.count }
    }
}
