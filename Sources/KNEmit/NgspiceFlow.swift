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
        try? FileManager.default.removeItem(at: written.rawfile)
        let run = try runner.run(written.url)
        guard FileManager.default.fileExists(atPath: written.rawfile.path) else {
            throw FlowError.noResults(netlist: written.url.path, problem: "ngspice finished but wrote no rawfile \(written.rawfile.lastPathComponent)",
                                      logTail: NgspiceRunner.tail(run.logText))
        }
        let raw = try Rawfile(contentsOf: written.rawfile)
        guard let plot = raw.plot(named: "transient") else {
            throw VerificationError.missing(path: written.rawfile.path, what: "the transient plot")
        }
        let values = try Verification.anchorValues(plot, plan: plan, path: written.rawfile.path)
        return NgspiceFlowResult(netlist: written, run: run, anchorValues: values)
    }
}
