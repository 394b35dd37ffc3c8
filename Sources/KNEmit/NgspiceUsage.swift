import Foundation

/// Where an ngspice run spent its time, read from the `rusage all` report at the end of its log.
///
/// The transistor netlists end their `.control` block with `rusage all`, so that a multi-hour verification says
/// whether the netlist set-up (reading the foundry models, expanding the subcircuits, binning every MOSFET), the
/// operating point or the transient took the time.
public struct NgspiceUsage: Sendable, Hashable {
    /// Seconds to read the deck, expand subcircuits and parameters, and parse the expanded netlist.
    public var setupSeconds: Double
    /// Seconds of all analyses (the operating point and the transient).
    public var analysisSeconds: Double
    /// Seconds of the transient analysis alone.
    public var transientSeconds: Double
    /// Accepted transient time points.
    public var timepoints: Int
    /// Rejected transient time points (a step ngspice shortened and took again).
    public var rejectedTimepoints: Int
    /// Newton iterations of all analyses.
    public var iterations: Int

    /// Seconds of the operating point (all analyses but the transient).
    public var operatingPointSeconds: Double { max(0, analysisSeconds - transientSeconds) }

    /// Reads the report from an ngspice log; `nil` when the log has none (a run that stopped before it).
    public init?(log: String) {
        var values: [String: Double] = [:]
        for line in log.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            values[parts[0].trimmingCharacters(in: .whitespaces)] = value
        }
        guard let analysis = values["Total analysis time (seconds)"],
              let points = values["Accepted timepoints"] ?? values["Transient timepoints"] else { return nil }
        setupSeconds = ["Netlist loading time", "Subckt and Param expansion time", "Netlist parsing time"]
            .reduce(0) { $0 + (values[$1] ?? 0) }
        analysisSeconds = analysis
        transientSeconds = values["Transient analysis time"] ?? 0
        timepoints = Int(points)
        rejectedTimepoints = Int(values["Rejected timepoints"] ?? 0)
        iterations = Int(values["Total iterations"] ?? 0)
    }
}
