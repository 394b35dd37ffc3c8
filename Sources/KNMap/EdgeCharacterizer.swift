import Foundation
import KNModel
import KNProcess
import KNSimulate

/// Measures mapped cells in ngspice (``FidelityRunner/measure(_:network:samples:picks:)``: DC sweeps on the foundry
/// models at each edge's operating points, both the current leaving src and the current entering des) and fits
/// each with ``EdgeLawFitter``, giving the ``KNSimulate/CharacterizedEdges`` the simulator runs with
/// `--edges characterized`.
///
/// ```swift
/// let characterizer = EdgeCharacterizer(runner: FidelityRunner(mapper: mapper, root: root, ngspice: try Ngspice.locate()))
/// let edges = try characterizer.characterize(circuit, network: net, samples: samples,
///                                            picks: FidelityRunner.sample(circuit, count: .max))
/// try edges.write(to: folder.appendingPathComponent("characterized.json"))
/// ```
public struct EdgeCharacterizer: Sendable {
    public var runner: FidelityRunner
    public var fitter = EdgeLawFitter()
    /// Operating points measured per edge (more than the fidelity check's, for two-fold cross-validation of a
    /// seven-parameter law).
    public var pointsPerEdge = 40

    public init(runner: FidelityRunner) {
        self.runner = runner
    }

    /// Measures the picked cells of `circuit` in `processes` concurrent ngspice processes and fits every one.
    public func characterize(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples,
                             picks: [FidelityRunner.Pick],
                             processes: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> CharacterizedEdges {
        var measuring = runner
        measuring.pointsPerEdge = pointsPerEdge
        let measured = try measuring.measureInParallel(circuit, network: network, samples: samples, picks: picks,
                                                       processes: processes)
        let source = "ngspice steady-state sweeps of the mapped cells on the \(circuit.process) models (corner \(circuit.corner)), up to \(pointsPerEdge) operating points per edge from \(samples.inputCount) sample inputs"
        return fit(measured, network: network, scaling: circuit.scaling, source: source)
    }

    /// Fits measurements (one per edge, each with both currents) into characterized edges.
    public func fit(_ measured: [EdgeFidelity], network: Network, scaling: Scaling, source: String) -> CharacterizedEdges {
        var perLayer = network.layers.map { _ in [CharacterizedEdge]() }
        for m in measured {
            perLayer[m.layer].append(fit(m, network: network))
        }
        let layers = network.layers.indices.map { l in
            CharacterizedLayer(index: l, edgeCount: network.layers[l].edgeCount,
                               edges: perLayer[l].sorted { $0.edge < $1.edge })
        }
        return CharacterizedEdges(family: network.family.description, networkDigest: CharacterizedEdges.digest(of: network),
                                  source: source, alpha: scaling.alpha, beta: scaling.beta, layers: layers)
    }

    /// One edge: the fitted law, or the edge's own law with the reason when the measurement cannot be fitted.
    func fit(_ m: EdgeFidelity, network: Network) -> CharacterizedEdge {
        let p = network.edgeParameters(layer: m.layer, edge: m.edge)
        let ideal = CommonEdgeLaw.ideal(family: network.family, p0: p.p0, p1: p.p1, p2: p.p2)
        func fallback(_ note: String) -> CharacterizedEdge {
            CharacterizedEdge(edge: m.edge, src: m.src, des: m.des, status: .ideal, note: note, law: ideal, points: m.vs.count,
                              nrmse: nil, idealNrmse: nil, validationNrmse: nil)
        }
        guard let src = m.simulatedSrc, src.count == m.vs.count, m.simulated.count == m.vs.count else {
            return fallback("the measurement has no current leaving src")
        }
        guard m.vs.count >= 4 else { return fallback("only \(m.vs.count) operating points; at least 4 are needed") }
        guard (m.simulated + src).allSatisfy(\.isFinite) else { return fallback("the measured currents are not all finite") }
        let result = fitter.fit(vs: m.vs, vd: m.vd, desCurrent: m.simulated, srcCurrent: src, ideal: ideal)
        guard result.rms <= result.idealRms else {
            return fallback("the fit (RMS \(result.rms)) is worse than the edge's own law (RMS \(result.idealRms))")
        }
        return CharacterizedEdge(edge: m.edge, src: m.src, des: m.des, status: .fitted, law: result.law, points: result.points,
                                 nrmse: result.nrmse, idealNrmse: result.idealNrmse, validationNrmse: result.validationNrmse)
    }
}
