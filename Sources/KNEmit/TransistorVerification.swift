import Foundation
import KNMap
import KNModel

/// One input sample simulated at transistor level and compared with the model.
public struct TransistorSampleResult: Sendable {
    /// The index of the sample in the inputs.
    public let sample: Int
    /// The netlist that ran.
    public let netlist: TransistorNetlist
    /// The simulator run (log, wall time).
    public let run: SimulatorRun
    /// Model values `[anchor][node − 1]` read from the circuit.
    public let measured: [[Double]]
    /// Model values `[anchor][node − 1]` of `Simulator` `.exact` (the compared nodes).
    public let expected: [[Double]]
    /// The same with the characterized edge laws (`--edges characterized`), when they were given.
    public var characterized: [[Double]]? = nil

    /// RMS over the nodes of (circuit − model) at each anchor, model units.
    public var rmsPerAnchor: [Double] { Self.rms(measured, expected) }

    /// RMS over the nodes of (circuit − characterized model) at each anchor, when characterized laws were given.
    public var characterizedRMSPerAnchor: [Double]? { characterized.map { Self.rms(measured, $0) } }

    static func rms(_ measured: [[Double]], _ reference: [[Double]]) -> [Double] {
        reference.indices.map { k in
            let d = differences(measured, reference, anchor: k)
            return d.isEmpty ? 0 : (d.reduce(0) { $0 + $1 * $1 } / Double(d.count)).squareRoot()
        }
    }

    static func differences(_ measured: [[Double]], _ reference: [[Double]], anchor k: Int) -> [Double] {
        reference[k].indices.map { measured[k][$0] - reference[k][$0] }
    }

    /// Largest |circuit − model| over the nodes at each anchor, model units (NaN counts as infinite).
    public var maxPerAnchor: [Double] {
        expected.indices.map { k in differences(anchor: k).reduce(0) { $1.isNaN ? .infinity : max($0, abs($1)) } }
    }

    /// Circuit minus model at anchor k, node by node.
    public func differences(anchor k: Int) -> [Double] { Self.differences(measured, expected, anchor: k) }

    /// Where ngspice spent the run's time, from its log.
    public var usage: NgspiceUsage? { NgspiceUsage(log: run.logText) }
}

/// A mapped circuit simulated at transistor level (flow `ngspice-transistor`) against the model.
public struct TransistorVerification: Sendable {
    /// The process, corner and scaling of the circuit.
    public let process: String
    public let corner: String
    public let scaling: Scaling
    /// One result per input sample, in input order.
    public let samples: [TransistorSampleResult]
    /// The largest allowed RMS difference at any anchor, model units.
    public let tolerance: Double
    /// Wall-clock seconds of all simulator runs together, and of the model simulation.
    public let simulatorSeconds: Double
    public let modelSeconds: Double

    /// The largest allowed RMS difference against the characterized model, when it was compared.
    public var characterizedTolerance: Double? = nil
    /// Whether the verdict against the model judges the outputs (the last anchor) only. A network retrained
    /// against its cells and compared with the network it must reproduce (``TransistorVerifier`` with a target)
    /// promises its read-out, not the states between.
    public var outputsOnly = false

    /// The anchors of `perAnchor` the verdict against the model judges.
    func judged(_ perAnchor: [Double]) -> ArraySlice<Double> { outputsOnly ? perAnchor.suffix(1) : perAnchor[...] }

    /// Whether every sample's RMS difference is within the tolerance at every anchor, against the model and
    /// (when compared) against the characterized model.
    public var passed: Bool { worstRMS <= tolerance && (worstCharacterizedRMS.map { $0 <= characterizedTolerance! } ?? true) }

    /// The largest RMS difference over samples and anchors (NaN counts as infinite).
    public var worstRMS: Double {
        samples.flatMap { judged($0.rmsPerAnchor) }.reduce(0) { $1.isNaN ? .infinity : max($0, $1) }
    }

    /// The largest RMS difference against the characterized model, when it was compared.
    public var worstCharacterizedRMS: Double? {
        guard characterizedTolerance != nil else { return nil }
        return samples.flatMap { $0.characterizedRMSPerAnchor ?? [] }.reduce(0) { $1.isNaN ? .infinity : max($0, $1) }
    }

    /// The largest |difference| over samples, anchors and nodes.
    public var worstMax: Double { samples.flatMap { judged($0.maxPerAnchor) }.reduce(0) { max($0, $1) } }

    /// The RMS differences at the outputs (the last anchor), one per sample, and how they spread: the median, the
    /// range and how many are within `limit`.
    static func outputSummary(_ rms: [Double], limit: Double) -> String {
        let sorted = rms.sorted { $0.isNaN ? false : $1.isNaN ? true : $0 < $1 }
        guard let low = sorted.first, let high = sorted.last else { return "no samples" }
        return String(format: "rms median %.3e, range %.3e–%.3e, %d of %d samples within %.3e", sorted.sortedQuantile(0.5),
                      low, high, rms.filter { $0 <= limit }.count, sorted.count, limit)
    }

    /// The summary `kn-map verify --flow ngspice-transistor` prints: the circuit and scaling, then per sample the
    /// simulator time and the RMS and largest |difference| at every anchor, then the verdict. With `details`, also
    /// every node's value in the circuit, the model and (when compared) the characterized model, per sample and
    /// anchor.
    public func table(details: Bool = false) -> String {
        let s = scaling
        let stats = samples.first?.netlist.statistics
        var lines = [
            "flow ngspice-transistor: \(process) \(corner), \(samples.count) sample\(samples.count == 1 ? "" : "s"), \(String(format: "%.1f", simulatorSeconds)) s wall for the simulator runs; model .exact \(String(format: "%.2f", modelSeconds)) s",
            "scaling: alpha = \(s.alpha) V/unit, beta = \(s.beta) A/unit, C = \(s.capacitance) F, V_CM = \(s.vcm) V, vdd = \(s.vdd) V, tau = C*alpha/beta = \(s.tau) s"
                + (s.nodeAlpha == nil ? "" : " (per-node alpha)"),
        ]
        if let stats {
            lines.append("circuit: \(stats.cells) cells (\(stats.cellSubcircuits) distinct subcircuits), \(stats.mosfets) MOSFETs, \(stats.transmissionGates) transmission gates, \(stats.capacitorUnits) capacitor units, \(stats.biasSources) bias references")
        }
        lines.append("differences in model units: circuit (V - V_CM)/alpha minus Simulator .exact; rms and max over the nodes")
        let anchors = samples.first?.expected.count ?? 0
        lines.append("sample  seconds " + (0..<anchors).map { String(format: "%21@", "anchor \($0) rms / max") }.joined(separator: " "))
        for r in samples {
            let rms = r.rmsPerAnchor, max = r.maxPerAnchor
            lines.append(String(format: "%6d %8.1f ", r.sample, r.run.seconds)
                         + (0..<anchors).map { String(format: "%10.3e %10.3e", rms[$0], max[$0]) }.joined(separator: " "))
        }
        let usages = samples.compactMap { r in r.usage.map { (r.sample, $0) } }
        if !usages.isEmpty {
            lines.append("ngspice time (rusage), set-up = foundry models, subcircuits and MOSFET binning:")
            for (sample, u) in usages {
                lines.append(String(format: "  sample %d: set-up %.1f s, operating point %.1f s, transient %.1f s, %d time points (%d rejected), %d iterations",
                                    sample, u.setupSeconds, u.operatingPointSeconds, u.transientSeconds, u.timepoints,
                                    u.rejectedTimepoints, u.iterations))
            }
        }
        lines.append("at the outputs (anchor \(anchors - 1)): " + Self.outputSummary(samples.compactMap(\.rmsPerAnchor.last), limit: tolerance))
        if let worst = worstCharacterizedRMS, let limit = characterizedTolerance {
            lines.append("against the characterized model (--edges characterized), rms per anchor:")
            for r in samples {
                lines.append(String(format: "%6d          ", r.sample) + (r.characterizedRMSPerAnchor ?? []).map { String(format: "%10.3e", $0) }.joined(separator: " "))
            }
            lines.append("characterized, at the outputs: " + Self.outputSummary(samples.compactMap { $0.characterizedRMSPerAnchor?.last }, limit: limit))
            lines.append(String(format: "characterized: worst rms %.3e model units (tolerance %.3e)", worst, limit))
        }
        if details {
            lines.append("node values (model units): sample anchor node circuit model" + (samples.first?.characterized == nil ? "" : " characterized"))
            for r in samples {
                for k in r.expected.indices {
                    for n in r.expected[k].indices {
                        let c = r.characterized.map { String(format: " %.9g", $0[k][n]) } ?? ""
                        lines.append(String(format: "  %d %d %d %.9g %.9g", r.sample, k, n + 1, r.measured[k][n], r.expected[k][n]) + c)
                    }
                }
            }
        }
        lines.append(String(format: "%@: worst rms %.3e model units (tolerance %.3e), worst |difference| %.3e", passed ? "PASS" : "FAIL", worstRMS, tolerance, worstMax)
                     + (outputsOnly ? " at the outputs (against --target; the states between anchors are not judged)" : ""))
        return lines.joined(separator: "\n")
    }
}
