import KNModel

/// The right-hand side of one layer's circuit ODE, its Jacobian trace and its sparse Jacobian, in float64.
///
/// `dv_n/dt = (Σ_{e: des=n} i_e − Σ_{e: src=n} i_e) / C_n` with node 0 (ground) held at 0. The parameter rows
/// are kept as separate columns and the loop is specialised per edge family, so evaluating the right-hand side
/// costs a few nanoseconds per edge. A kernel is immutable and may be shared between threads; the scratch
/// memory lives in a ``KernelWorkspace``, one per thread.
public struct LayerKernel: Sendable {
    public let family: EdgeFamily
    /// N: the layer's nodes are 1…N.
    public let nodeCount: Int
    let src: [Int32]
    let des: [Int32]
    /// The parameter rows p0, p1, p2 as separate columns (zeros for rows the family does not store).
    let parameters: ParameterColumns
    /// `1 / C_n` for n = 0…N (entry 0 unused), or `nil` for unit capacitors.
    let inverseCapacitance: [Double]?
    /// Per edge: `[src ≠ 0 ∧ src ≠ des] / C_src` and `[des ≠ 0 ∧ src ≠ des] / C_des`, the weights of the
    /// edge's partial derivatives in the Jacobian trace. A self-loop contributes nothing (its current leaves
    /// and enters the same node).
    let traceWeightSrc: [Double]
    let traceWeightDes: [Double]
    /// Characterized laws that replace the family's law on every edge (``CharacterizedColumns``), or nil.
    let characterized: CharacterizedColumns?
    /// The cells' measured capacitances (``CellCapacitanceColumns``), or nil.
    let capacitances: CellCapacitanceColumns?

    /// The number of edges.
    public var edgeCount: Int { src.count }

    /// Builds the kernel of `layer`.
    /// - Parameters:
    ///   - capacitance: `C_n` for nodes 1…N (N values, all finite and positive), or `nil` for C = 1.
    ///   - laws: one ``CommonEdgeLaw`` per edge that replaces the family's law (characterized edges), or nil.
    ///   - dynamics: per edge the cell's measured capacitances (``CellDynamics``, nil where not measured), or nil;
    ///     needs `laws`.
    public init(layer: Layer, family: EdgeFamily, capacitance: [Double]? = nil,
                laws: [CommonEdgeLaw]? = nil, dynamics: [CellDynamics?]? = nil) throws(SimulationError) {
        let n = layer.nodeCount
        let e = layer.edgeCount
        let p = layer.parameters
        guard p.rows == family.parameterRows, p.columns == e else {
            throw .invalidNetwork(.invalid("layer", "parameters have shape (\(p.rows), \(p.columns)) but \(family.upstreamName) on this topology needs (\(family.parameterRows), \(e))"))
        }
        self.family = family
        self.nodeCount = n
        self.src = layer.edges.src
        self.des = layer.edges.des
        self.parameters = ParameterColumns(p)
        var inverse: [Double]? = nil
        if let c = capacitance {
            guard c.count == n else {
                throw .invalidOption("capacitances", "has \(c.count) values for a layer with \(n) nodes; give one capacitance per node 1…\(n)")
            }
            if let bad = c.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw .invalidOption("capacitances", "node \(bad + 1) has capacitance \(c[bad]); every capacitance must be finite and positive")
            }
            inverse = [0] + c.map { 1 / $0 }
        }
        self.inverseCapacitance = inverse
        var ws = [Double](repeating: 0, count: e)
        var wd = [Double](repeating: 0, count: e)
        for k in 0..<e {
            let s = Int(layer.edges.src[k]), d = Int(layer.edges.des[k])
            guard s != d else { continue }
            if s != 0 { ws[k] = inverse?[s] ?? 1 }
            if d != 0 { wd[k] = inverse?[d] ?? 1 }
        }
        self.traceWeightSrc = ws
        self.traceWeightDes = wd
        if let laws {
            guard laws.count == e else {
                throw .invalidOption("edge laws", "has \(laws.count) laws for a layer with \(e) edges; give one law per edge")
            }
            if let k = laws.firstIndex(where: { $0.problem != nil }) {
                throw .invalidOption("edge laws", "edge \(k): \(laws[k].problem!)")
            }
            self.characterized = CharacterizedColumns(laws: laws, src: layer.edges.src, des: layer.edges.des,
                                                      inverseCapacitance: inverse)
        } else {
            self.characterized = nil
        }
        if let dynamics {
            guard let laws, dynamics.count == e else {
                throw .invalidOption("cell capacitances", "has \(dynamics.count) entries for a layer with \(e) edges and \(laws == nil ? "no" : "its") laws; give one entry per edge, with the edges' laws")
            }
            if let k = dynamics.firstIndex(where: { $0?.problem != nil }) {
                throw .invalidOption("cell capacitances", "edge \(k): \(dynamics[k]!.problem!)")
            }
            self.capacitances = CellCapacitanceColumns(dynamics: dynamics, laws: laws)
        } else {
            self.capacitances = nil
        }
    }

    /// Computes `dv/dt` for a state of `width ≥ N` values into `derivative` (also `width` values; entries
    /// beyond N are 0: nodes the layer does not touch keep their voltage). Returns the Jacobian trace
    /// `tr(∂f/∂v)` when `trace` is set, else 0.
    @inline(__always)
    func evaluate(state: UnsafePointer<Double>, width: Int, derivative: UnsafeMutablePointer<Double>,
                  workspace: inout KernelWorkspace, trace: Bool) -> Double {
        let n = nodeCount
        return workspace.withBuffers(nodeCount: n) { aux, acc in
            aux[0] = 0
            (aux + 1).update(from: state, count: n)
            acc.update(repeating: 0, count: n + 1)
            var tr = 0.0
            if let characterized {
                tr = characterized.accumulate(src: src, des: des, aux, acc, trace)
            } else {
                switch family {
                case .shiftTanh1: tr = accumulate(ShiftTanh1Law(), aux, acc, trace)
                case .shiftTanh2: tr = accumulate(ShiftTanh2Law(), aux, acc, trace)
                case .shiftRelu1: tr = accumulate(ShiftRelu1Law(), aux, acc, trace)
                case .shiftRelu2: tr = accumulate(ShiftRelu2Law(), aux, acc, trace)
                case .shiftLeakyRelu1: tr = accumulate(ShiftLeakyRelu1Law(), aux, acc, trace)
                case .shiftLeakyRelu2: tr = accumulate(ShiftLeakyRelu2Law(), aux, acc, trace)
                case .conductance: tr = accumulate(ConductanceLaw(), aux, acc, trace)
                case let .device(negation, activation):
                    tr = accumulate(DeviceLaw(negation: negation, activation: activation), aux, acc, trace)
                }
            }
            if let inv = inverseCapacitance {
                inv.withUnsafeBufferPointer { c in
                    for k in stride(from: 1, through: n, by: 1) { derivative[k - 1] = acc[k] * c[k] }
                }
            } else {
                derivative.update(from: acc + 1, count: n)
            }
            capacitances?.solve(src: src, des: des, aux, derivative, nodeCount: n, inverseCapacitance: inverseCapacitance)
            if width > n { (derivative + n).update(repeating: 0, count: width - n) }
            return tr
        }
    }

    @inline(__always)
    private func accumulate<L: EdgeLaw>(_ law: L, _ aux: UnsafeMutablePointer<Double>,
                                        _ acc: UnsafeMutablePointer<Double>, _ trace: Bool) -> Double {
        switch parameters {
        case let .float32(a, b, c):
            return a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { c in
                accumulate(law, a, b, c, aux, acc, trace)
            } } }
        case let .float64(a, b, c):
            return a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { c in
                accumulate(law, a, b, c, aux, acc, trace)
            } } }
        }
    }

    /// The hot loop: gather both terminal voltages, evaluate the law, scatter the current.
    @inline(__always)
    private func accumulate<L: EdgeLaw, S: ParameterElement>(
        _ law: L, _ a: UnsafeBufferPointer<S>, _ b: UnsafeBufferPointer<S>, _ c: UnsafeBufferPointer<S>,
        _ aux: UnsafeMutablePointer<Double>, _ acc: UnsafeMutablePointer<Double>, _ trace: Bool
    ) -> Double {
        let count = src.count
        return src.withUnsafeBufferPointer { s in
            des.withUnsafeBufferPointer { d in
                if !trace {
                    for e in 0..<count {
                        let si = Int(s[e]), di = Int(d[e])
                        let i = law.current(aux[si], aux[di], a[e].double, b[e].double, c[e].double)
                        acc[di] += i
                        acc[si] -= i
                    }
                    return 0
                }
                return traceWeightSrc.withUnsafeBufferPointer { ws in
                    traceWeightDes.withUnsafeBufferPointer { wd in
                        var tr = 0.0
                        for e in 0..<count {
                            let si = Int(s[e]), di = Int(d[e])
                            let g = law.slopes(aux[si], aux[di], a[e].double, b[e].double, c[e].double)
                            acc[di] += g.i
                            acc[si] -= g.i
                            tr += wd[e] * g.dvd - ws[e] * g.dvs
                        }
                        return tr
                    }
                }
            }
        }
    }

    /// Adds every edge's partial derivatives into the Jacobian values at the slots of `pattern`
    /// (`values` must be zeroed by the caller), divided by the row node's capacitance.
    func fillJacobian(state: UnsafePointer<Double>, pattern: JacobianPattern, values: UnsafeMutablePointer<Double>,
                      workspace: inout KernelWorkspace) {
        let n = nodeCount
        workspace.withBuffers(nodeCount: n) { aux, _ in
            aux[0] = 0
            (aux + 1).update(from: state, count: n)
            if let characterized {
                characterized.fillJacobian(src: src, des: des, aux, pattern: pattern,
                                           inverseCapacitance: inverseCapacitance, values: values)
                return
            }
            switch family {
            case .shiftTanh1: jacobian(ShiftTanh1Law(), aux, pattern, values)
            case .shiftTanh2: jacobian(ShiftTanh2Law(), aux, pattern, values)
            case .shiftRelu1: jacobian(ShiftRelu1Law(), aux, pattern, values)
            case .shiftRelu2: jacobian(ShiftRelu2Law(), aux, pattern, values)
            case .shiftLeakyRelu1: jacobian(ShiftLeakyRelu1Law(), aux, pattern, values)
            case .shiftLeakyRelu2: jacobian(ShiftLeakyRelu2Law(), aux, pattern, values)
            case .conductance: jacobian(ConductanceLaw(), aux, pattern, values)
            case let .device(negation, activation):
                jacobian(DeviceLaw(negation: negation, activation: activation), aux, pattern, values)
            }
        }
    }

    @inline(__always)
    private func jacobian<L: EdgeLaw>(_ law: L, _ aux: UnsafeMutablePointer<Double>, _ pattern: JacobianPattern,
                                      _ values: UnsafeMutablePointer<Double>) {
        let count = src.count
        let one = [Double](repeating: 1, count: nodeCount + 1)
        (inverseCapacitance ?? one).withUnsafeBufferPointer { inv in
            pattern.edgeSlots.withUnsafeBufferPointer { slot in
                for e in 0..<count {
                    let si = Int(src[e]), di = Int(des[e])
                    let p = parameters[e]
                    let g = law.slopes(aux[si], aux[di], p.0, p.1, p.2)
                    // Row des gains the current, row src loses it; columns are the two terminals.
                    let k = 4 * e
                    if slot[k] >= 0 { values[Int(slot[k])] += g.dvs * inv[di] }       // (des, src)
                    if slot[k + 1] >= 0 { values[Int(slot[k + 1])] += g.dvd * inv[di] } // (des, des)
                    if slot[k + 2] >= 0 { values[Int(slot[k + 2])] -= g.dvs * inv[si] } // (src, src)
                    if slot[k + 3] >= 0 { values[Int(slot[k + 3])] -= g.dvd * inv[si] } // (src, des)
                }
            }
        }
    }
}

/// Scratch memory for ``LayerKernel`` evaluations: the ground-augmented voltages and the node current sums.
/// One per thread; grows to the largest layer it has served.
public struct KernelWorkspace {
    var aux: [Double] = []
    var acc: [Double] = []

    public init() {}

    @inline(__always)
    mutating func withBuffers<R>(nodeCount n: Int,
                                 _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> R) -> R {
        if aux.count < n + 1 {
            aux = [Double](repeating: 0, count: n + 1)
            acc = [Double](repeating: 0, count: n + 1)
        }
        return aux.withUnsafeMutableBufferPointer { a in
            acc.withUnsafeMutableBufferPointer { c in body(a.baseAddress!, c.baseAddress!) }
        }
    }
}

extension LayerKernel {
    /// `dv/dt` at `state` (N values, or more: extra nodes get derivative 0).
    public func rightHandSide(_ state: [Double], workspace: inout KernelWorkspace) -> [Double] {
        precondition(state.count >= nodeCount, "LayerKernel.rightHandSide: state has \(state.count) values, layer has \(nodeCount) nodes")
        var out = [Double](repeating: 0, count: state.count)
        state.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                _ = evaluate(state: v.baseAddress!, width: state.count, derivative: o.baseAddress!,
                             workspace: &workspace, trace: false)
            }
        }
        return out
    }

    /// `dv/dt` and the Jacobian trace `tr(∂f/∂v)` at `state`.
    public func rightHandSideAndTrace(_ state: [Double], workspace: inout KernelWorkspace) -> (derivative: [Double], trace: Double) {
        precondition(state.count >= nodeCount, "LayerKernel.rightHandSideAndTrace: state has \(state.count) values, layer has \(nodeCount) nodes")
        var out = [Double](repeating: 0, count: state.count)
        let tr = state.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                evaluate(state: v.baseAddress!, width: state.count, derivative: o.baseAddress!,
                         workspace: &workspace, trace: true)
            }
        }
        return (out, tr)
    }

    /// Evaluates `dv/dt` into `derivative` without allocating: the benchmark entry point.
    public func rightHandSide(_ state: UnsafeBufferPointer<Double>, into derivative: UnsafeMutableBufferPointer<Double>,
                              workspace: inout KernelWorkspace) {
        precondition(state.count >= nodeCount && derivative.count >= state.count,
                     "LayerKernel.rightHandSide: buffers too small for \(nodeCount) nodes")
        _ = evaluate(state: state.baseAddress!, width: state.count, derivative: derivative.baseAddress!,
                     workspace: &workspace, trace: false)
    }

    /// The Jacobian `∂f/∂v` at `state` (width = `state.count`) in compressed sparse column form.
    public func jacobian(_ state: [Double], workspace: inout KernelWorkspace) -> SparseJacobian {
        let pattern = JacobianPattern(kernel: self, dimension: state.count)
        var values = [Double](repeating: 0, count: pattern.rowIndices.count)
        state.withUnsafeBufferPointer { v in
            values.withUnsafeMutableBufferPointer { out in
                fillJacobian(state: v.baseAddress!, pattern: pattern, values: out.baseAddress!, workspace: &workspace)
            }
        }
        return SparseJacobian(dimension: state.count, columnStarts: pattern.columnStarts.map(Int.init),
                              rowIndices: pattern.rowIndices.map(Int.init), values: values)
    }
}
