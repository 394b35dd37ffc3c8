import Foundation

/// The outcome of writing, running and reading back one network simulation.
public struct NgspiceFlowResult: Sendable {
    /// The netlist that ran and its rawfile.
    public let netlist: NgspiceNetlist
    /// The simulator run (log, wall time).
    public let run: SimulatorRun
    /// Model values `[anchor][node − 1]` of the state at every anchor, read back through alpha and V_CM.
    public let anchorValues: [[Double]]

    /// Compares the anchor values with expected model outputs (`[anchor][node − 1]`).
    public func verify(against expected: [[Double]], tolerance: Double) throws(VerificationError) -> VerificationReport {
        try Verification.compare(measured: anchorValues, expected: expected, tolerance: tolerance)
    }
}

/// Emit → ngspice → rawfile → model units, in one call (what `kn-map flow run` and `verify` do).
public enum NgspiceFlow {
    /// Writes the netlist of `plan` to `netlist`, runs it with `runner` and reads the anchor values back.
    ///
    /// Throws ``FlowError`` for a missing binary, a timeout, non-convergence, a crash or a missing rawfile
    /// (each with the netlist path and the last log lines), ``RawfileError`` for a damaged rawfile and
    /// ``VerificationError`` when the rawfile lacks a node.
    public static func simulate(_ plan: CircuitPlan, netlist: URL, options: NgspiceOptions = NgspiceOptions(),
                                view: NgspiceEdgeView = .bSources, runner: NgspiceRunner = NgspiceRunner()) throws -> NgspiceFlowResult {
        let written = try NgspiceBehavioralWriter.write(plan, to: netlist, options: options, view: view)
        let (run, plot) = try transient(of: written) { try runner.run($0) }
        let values = try Verification.anchorValues(plot, plan: plan, path: written.rawfile.path)
        return NgspiceFlowResult(netlist: written, run: run, anchorValues: values)
    }
}

/// The outcome of one simulator run over a batch of samples.
public struct BatchFlowResult: Sendable {
    /// The netlist that ran and its rawfile.
    public let netlist: NgspiceNetlist
    /// The simulator run (log, wall time).
    public let run: SimulatorRun
    /// Model values `[sample][anchor][node − 1]` at every anchor, read back through alpha and V_CM.
    public let anchorValues: [[[Double]]]
}

extension NgspiceFlow {
    /// Writes one netlist holding a copy of the circuit per plan (``NgspiceBehavioralWriter/write(batch:to:options:view:)``),
    /// runs it once with `runner` and reads every copy's anchor values back.
    ///
    /// For the `ngspice46-osdi` flow the edge module `.va` is written beside the netlist and compiled by the runner.
    /// `writeModule: false` leaves the `.va` to the caller (several concurrent batches share one).
    public static func simulate(batch plans: [CircuitPlan], netlist: URL, options: NgspiceOptions = NgspiceOptions(),
                                runner: FlowRunner, writeModule: Bool = true) throws -> BatchFlowResult {
        guard let first = plans.first else { throw EmitError.invalid("batch", "holds no sample; give at least one input") }
        let view: NgspiceEdgeView
        switch runner.flow {
        case .ngspice39BSource:
            view = .bSources
        case .ngspice46OSDI:
            let module = VerilogAWriter.moduleName(first.network.family)
            if writeModule {
                try VerilogAWriter.writeEdgeModule(first.network.family, scaling: first.scaling,
                                                   to: netlist.deletingLastPathComponent().appendingPathComponent(module + ".va"))
            }
            view = .osdi(library: module + ".osdi")
        case .vacask:
            view = .bSources  // unused: VACASK has its own writer
        case .xyce:
            _ = try runner.run(netlist)  // throws the flow's explanation
            throw FlowError.simulatorMissing(name: runner.flow.rawValue, searched: [], fix: "use ngspice39-bsource or ngspice46-osdi")
        case .ngspiceTransistor:
            throw EmitError.invalid("flow ngspice-transistor", TransistorVerifier.behavioralRefusal)
        }
        let written: NgspiceNetlist
        if runner.flow == .vacask {
            written = try VacaskWriter.write(plans: plans, batched: plans.count > 1, to: netlist.deletingPathExtension().appendingPathExtension("sim"), options: options)
        } else {
            written = try NgspiceBehavioralWriter.write(plans: plans, batched: plans.count > 1, to: netlist, options: options, view: view)
        }
        let (run, plot) = try transient(of: written) { try runner.run($0) }
        var values: [[[Double]]] = []
        for (j, plan) in plans.enumerated() {
            values.append(try Verification.anchorValues(plot, plan: plan, path: written.rawfile.path, sample: written.sampleTag(j)))
        }
        return BatchFlowResult(netlist: written, run: run, anchorValues: values)
    }

    /// Runs a written netlist (removing a stale rawfile first) and returns the run and its transient plot.
    ///
    /// Throws ``FlowError/noResults(netlist:problem:logTail:)`` when the simulator wrote no rawfile and
    /// ``VerificationError`` when the rawfile has no transient plot.
    static func transient(of written: NgspiceNetlist, run simulate: (URL) throws -> SimulatorRun) throws -> (SimulatorRun, RawPlot) {
        try transient(netlist: written.url, rawfile: written.rawfile, run: simulate)
    }

    /// ``transient(of:run:)`` for any netlist and the rawfile it writes (a transistor-level netlist, say).
    static func transient(netlist: URL, rawfile: URL, run simulate: (URL) throws -> SimulatorRun) throws -> (SimulatorRun, RawPlot) {
        try? FileManager.default.removeItem(at: rawfile)
        let run = try simulate(netlist)
        guard FileManager.default.fileExists(atPath: rawfile.path) else {
            throw FlowError.noResults(netlist: netlist.path, problem: "the simulator finished but wrote no rawfile \(rawfile.lastPathComponent)",
                                      logTail: NgspiceRunner.tail(run.logText))
        }
        let raw = try Rawfile(contentsOf: rawfile)
        guard let plot = raw.plot(named: "transient") else {
            throw VerificationError.missing(path: rawfile.path, what: "the transient plot")
        }
        return (run, plot)
    }
}
