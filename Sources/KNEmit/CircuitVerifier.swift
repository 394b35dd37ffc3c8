import Foundation
import KNModel
import KNSimulate

/// A circuit simulation of a network compared with the model, sample by sample.
public struct CircuitVerification: Sendable {
    /// The flow that ran.
    public let flow: SimulatorFlow
    /// The scaling the circuit was built with.
    public let scaling: ChipScaling
    /// The netlists (each holds one copy of the circuit per sample of its share) and their rawfiles.
    public let netlists: [NgspiceNetlist]
    /// The simulator runs, one per netlist (they run concurrently).
    public let runs: [SimulatorRun]
    /// Wall-clock seconds of all simulator runs together.
    public let simulatorSeconds: Double
    /// One report per sample: simulated against `Simulator` with `.exact` at every anchor, in model units.
    public let reports: [VerificationReport]
    /// Wall-clock seconds of the model simulation (all samples).
    public let modelSeconds: Double

    /// Whether every sample is within the tolerance.
    public var passed: Bool { reports.allSatisfy(\.passed) }

    /// The largest |difference| over every sample, anchor and node.
    public var maxDifference: Double { reports.map(\.maxDifference).max() ?? 0 }

    /// The largest |difference| per anchor over all samples.
    public var maxDifferencePerAnchor: [Double] {
        let anchors = netlists[0].plan.anchorTimes.count
        var out = [Double](repeating: 0, count: anchors)
        for r in reports {
            for (k, m) in r.maxDifferencePerAnchor { out[k] = m.isNaN ? .infinity : max(out[k], m) }
        }
        return out
    }

    /// The summary `kn-map verify` prints: the scaling, then per sample and anchor the largest |difference|,
    /// then per anchor over all samples, then the verdict. `details` adds every node's row.
    public func table(details: Bool = false) -> String {
        let s = scaling
        let tolerance = reports.first?.tolerance ?? 0
        var lines = [
            "flow \(flow.rawValue): \(reports.count) sample\(reports.count == 1 ? "" : "s") in \(netlists.count) simulator run\(netlists.count == 1 ? "" : "s") in \(netlists[0].url.deletingLastPathComponent().path): \(String(format: "%.2f", simulatorSeconds)) s wall, \(String(format: "%.2f", runs.reduce(0) { $0 + $1.seconds })) s summed; model .exact \(String(format: "%.2f", modelSeconds)) s",
            "scaling: alpha = \(s.alpha) V/unit, beta = \(s.beta) A/unit, C = \(s.capacitance) F, V_CM = \(s.vcm) V, tau = C*alpha/beta = \(s.tau) s"
                + (s.supplies.isEmpty ? "" : ", " + s.supplies.map { "\($0.name) = \($0.volts) V" }.joined(separator: ", ")),
            "differences in model units: (V - V_CM)/alpha from the simulator minus Simulator .exact",
        ]
        let anchors = netlists[0].plan.anchorTimes.count
        lines.append("sample " + (0..<anchors).map { String(format: "%11@", "anchor \($0)") }.joined(separator: " "))
        for (j, r) in reports.enumerated() {
            let per = r.maxDifferencePerAnchor
            lines.append(String(format: "%6d ", j) + (0..<anchors).map { String(format: "%11.3e", per[$0] ?? 0) }.joined(separator: " "))
        }
        lines.append("   max " + maxDifferencePerAnchor.map { String(format: "%11.3e", $0) }.joined(separator: " "))
        if details {
            for (j, r) in reports.enumerated() {
                lines.append("sample \(j):")
                lines.append(r.table(maxRowsPerAnchor: Int.max))
            }
        }
        lines.append(String(format: "%@: max |difference| %.3e model units, tolerance %.3e", passed ? "PASS" : "FAIL", maxDifference, tolerance))
        return lines.joined(separator: "\n")
    }
}

/// Runs a network's circuit in a simulator flow and compares it with the model integrated exactly.
public enum CircuitVerifier {
    /// Simulates `inputs` (model units, one array per sample) with `Simulator` `.exact` and with the circuit in
    /// `flow`, and compares the node values at every anchor.
    ///
    /// The samples are split into netlists of `samplesPerNetlist` samples each (`folder/<name>-<i>.cir`, or
    /// `<name>.cir` when one netlist holds them all), each holding a copy of the circuit per sample; at most
    /// `processes` simulators run at once (default: one per core). One sample per netlist is the default
    /// because ngspice's cost per time point grows faster than the netlist: 16 twomoon samples took 2.7× the
    /// CPU time in one netlist that they take in 16.
    ///
    /// - Throws: ``EmitError`` when the network has no circuit, ``FlowError`` when the simulator cannot run or fails,
    ///   `SimulationError` when the model simulation fails, ``VerificationError``/``RawfileError`` when the results
    ///   cannot be read.
    public static func verify(network: Network, inputs: [[Double]], flow: SimulatorFlow, scaling: ChipScaling = .standard,
                              folder: URL, name: String = "verify", tolerance: Double = 1e-4,
                              options: NgspiceOptions = NgspiceOptions(), runner: FlowRunner? = nil,
                              samplesPerNetlist: Int = 1, processes: Int? = nil) throws -> CircuitVerification {
        guard !inputs.isEmpty else { throw EmitError.invalid("inputs", "holds no sample; give at least one input") }
        guard tolerance.isFinite, tolerance > 0 else { throw EmitError.invalid("tolerance", "must be finite and positive, got \(tolerance)") }
        if flow == .ngspiceTransistor || runner?.flow == .ngspiceTransistor {
            throw EmitError.invalid("flow ngspice-transistor", TransistorVerifier.behavioralRefusal)
        }
        var plans: [CircuitPlan] = []
        for (j, x) in inputs.enumerated() {
            do { plans.append(try CircuitPlan(network: network, scaling: scaling, inputs: x)) } catch {
                if case let .invalid(place, problem) = error, place.hasPrefix("inputs") {
                    throw EmitError.invalid("sample \(j) \(place)", problem)
                }
                throw error
            }
        }
        let runner = runner ?? FlowRunner(flow: flow)
        if runner.flow == .xyce {
            _ = try runner.run(folder.appendingPathComponent(name + ".cir"))  // throws why the flow cannot run
        }
        let start = Date()
        let simulator = try Simulator(network: network, options: SimulationOptions(method: .exact))
        let expected = try simulator.run(batch: inputs)
        let modelSeconds = Date().timeIntervalSince(start)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard samplesPerNetlist >= 1 else { throw EmitError.invalid("samplesPerNetlist", "must be at least 1, got \(samplesPerNetlist)") }
        if let processes, processes < 1 { throw EmitError.invalid("processes", "must be at least 1, got \(processes)") }
        let shares = (plans.count + samplesPerNetlist - 1) / samplesPerNetlist
        let gate = DispatchSemaphore(value: max(1, processes ?? ProcessInfo.processInfo.activeProcessorCount))
        let bounds = (0...shares).map { min($0 * samplesPerNetlist, plans.count) }
        let parts = (0..<shares).map { Array(plans[bounds[$0]..<bounds[$0 + 1]]) }
        let urls = (0..<shares).map { folder.appendingPathComponent(shares == 1 ? name + ".cir" : "\(name)-\($0).cir") }
        if runner.flow == .ngspice46OSDI || runner.flow == .vacask {
            // Write (and compile) the shared edge module once, before the concurrent runs.
            let module = VerilogAWriter.moduleName(network.family)
            let va = folder.appendingPathComponent(module + ".va")
            if (try? String(contentsOf: va, encoding: .utf8)) != VerilogAWriter.edgeModule(network.family, scaling: scaling) {
                try VerilogAWriter.writeEdgeModule(network.family, scaling: scaling, to: va)
            }
            try runner.openvaf.compile(va)
        }
        let results = ResultSlots<BatchFlowResult, any Error>(count: shares)
        let simStart = Date()
        DispatchQueue.concurrentPerform(iterations: shares) { i in
            gate.wait()
            defer { gate.signal() }
            results.set(i, Result { try NgspiceFlow.simulate(batch: parts[i], netlist: urls[i], options: options, runner: runner, writeModule: false) })
        }
        let simulatorSeconds = Date().timeIntervalSince(simStart)
        var done: [BatchFlowResult] = []
        for r in results.take() { done.append(try r!.get()) }
        let measured = done.flatMap(\.anchorValues)
        var reports: [VerificationReport] = []
        for (j, r) in expected.enumerated() {
            reports.append(try Verification.compare(measured: measured[j], expected: r.states, tolerance: tolerance))
        }
        return CircuitVerification(flow: flow, scaling: scaling, netlists: done.map(\.netlist), runs: done.map(\.run),
                                   simulatorSeconds: simulatorSeconds, reports: reports, modelSeconds: modelSeconds)
    }
}
