import Foundation
import KNMap
import KNModel

/// What process corners and temperatures do to a mapped chip: every measured cell's shift of its effective
/// parameters at each condition, and the network's read-out with those shifts against the nominal read-out.
/// Written as `report.json` (format `kn-corners-1`) and `report.txt`.
public struct ProcessConditionReport: Sendable, Codable, FolderReport {
    public var format = "kn-corners-1"
    /// FNV-1a 64 of the model file and of the circuit file the cells were measured on.
    public var modelDigest: String
    public var circuitDigest: String
    public var process: String
    /// Where the cells were sized and calibrated: the circuit's corner at the process's nominal temperature.
    public var reference: ProcessCondition
    public var family: String
    public var inputs: String
    public var inputCount: Int
    public var stepsPerUnit: Int
    /// Cells of the chip (edges that carry current); ``edges`` holds the measured ones, the others take the
    /// measured cells' mean.
    public var cellCount: Int
    public var conditions: [ConditionResult]
    public var edges: [CellConditionShifts]
    public var seconds: Double

    /// One condition.
    public struct ConditionResult: Sendable, Codable, Hashable {
        public var condition: ProcessCondition
        /// Per effective parameter: mean, standard deviation and the largest |shift| over the measured cells that
        /// still compute their law, with that cell's "layer:edge".
        public var shifts: [ShiftSummary]
        /// The measured cells ("layer:edge") whose currents no shifted law fits within
        /// ``CellConditionShifts/lawTolerance`` of their range: out of their operating region at this condition.
        public var brokenCells: [String]
        /// |y_condition − y_nominal| over every input and read-out: mean, RMS and largest; nil when a cell is
        /// broken (shifted laws cannot say what the chip computes then).
        public var meanError: Double?
        public var rmsError: Double?
        public var maxError: Double?
        /// Classification accuracy at this condition (with labelled data), and at the nominal chip.
        public var accuracy: Double?
    }

    public struct ShiftSummary: Sendable, Codable, Hashable {
        public var parameter: EffectiveParameter
        public var mean: Double
        public var sd: Double
        public var largest: Double
        public var largestEdge: String
    }

    public var nominalAccuracy: Double?

    /// Applies each condition's shifts to `network` and compares its read-out on `inputs` with the nominal one.
    ///
    /// A cell that was not measured (a sampled run) takes the mean shift of the measured cells of its layer, or of
    /// all measured cells when none of its layer was measured; an edge without a cell does not move.
    public static func evaluate(network: Network, modelDigest: String, circuitDigest: String, integrator: FixedStepIntegrator,
                                inputs: [[Double]], labels: [Int]?, inputName: String, process: String, reference: ProcessCondition,
                                conditions: [ProcessCondition], edges: [CellConditionShifts],
                                seconds: Double) throws -> ProcessConditionReport {
        let nominal = try integrator.outputs(inputs: inputs, mismatch: nil)
        func accuracy(_ y: [[Double]]) -> Double? { labels.map { KNVary.accuracy(y, labels: $0) } }
        let results = try conditions.indices.map { c -> ConditionResult in
            let working = edges.filter { $0.followsLaw(c) }
            let broken = edges.filter { !$0.followsLaw(c) }.map { "\($0.layer):\($0.edge)" }
            let shifts = EffectiveParameter.allCases.enumerated().map { k, p -> ShiftSummary in
                let values = working.map { $0.shifts[c].values[k] }
                let mean = values.reduce(0, +) / Double(max(values.count, 1))
                let sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : 0
                let worst = values.indices.max { abs(values[$0]) < abs(values[$1]) }
                return ShiftSummary(parameter: p, mean: mean, sd: sd, largest: worst.map { values[$0] } ?? 0,
                                    largestEdge: worst.map { "\(working[$0].layer):\(working[$0].edge)" } ?? "-")
            }
            var result = ConditionResult(condition: conditions[c], shifts: shifts, brokenCells: broken)
            guard broken.isEmpty else { return result }
            let y = try integrator.outputs(inputs: inputs, mismatch: shiftInstance(network: network, edges: edges, condition: c))
            let errors = zip(y, nominal).flatMap { zip($0, $1).map { abs($0 - $1) } }
            let n = Double(max(errors.count, 1))
            result.meanError = errors.reduce(0, +) / n
            result.rmsError = (errors.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
            result.maxError = errors.max() ?? 0
            result.accuracy = accuracy(y)
            return result
        }
        var report = ProcessConditionReport(modelDigest: modelDigest, circuitDigest: circuitDigest, process: process, reference: reference, family: network.family.description,
                                            inputs: inputName, inputCount: inputs.count, stepsPerUnit: integrator.stepsPerUnit,
                                            cellCount: network.cellCounts.reduce(0, +), conditions: results, edges: edges,
                                            seconds: seconds)
        report.nominalAccuracy = accuracy(nominal)
        return report
    }

    /// The deviations of condition `c` on every edge: measured, else the layer's (or all cells') mean. Meaningful
    /// only when every measured cell follows its law at `c` (``ConditionResult/brokenCells`` is empty).
    public static func shiftInstance(network: Network, edges: [CellConditionShifts], condition c: Int) -> MismatchInstance {
        func mean(_ cells: [CellConditionShifts]) -> [Double]? {
            guard !cells.isEmpty else { return nil }
            return (0..<4).map { k in cells.reduce(0) { $0 + $1.shifts[c].values[k] } / Double(cells.count) }
        }
        let overall = mean(edges) ?? [0, 0, 0, 0]
        let layers = network.layers.enumerated().map { l, layer -> EdgeDeviations in
            let measured = edges.filter { $0.layer == l }
            let fallback = mean(measured) ?? overall
            var byEdge = [Int: [Double]]()
            for e in measured { byEdge[e.edge] = e.shifts[c].values }
            var d = EdgeDeviations(count: layer.edgeCount)
            for e in 0..<layer.edgeCount {
                let v = byEdge[e] ?? fallback
                d.offset[e] = v[0]; d.gain[e] = v[1]; d.amplitude[e] = v[2]; d.copy[e] = v[3]
            }
            return d
        }
        return MismatchInstance(layers: layers).switchingOff(in: network)
    }

    /// The index of the condition written `corner@celsius` (or `corner` alone, at the reference's temperature).
    public func conditionIndex(_ text: String) throws -> Int {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        let known = conditions.map { "\($0.condition.corner)@\(String(format: "%g", $0.condition.temperatureCelsius))" }
        guard (1...2).contains(parts.count), !parts[0].isEmpty, let celsius = parts.count == 2 ? Double(parts[1]) : reference.temperatureCelsius,
              let index = conditions.firstIndex(where: { $0.condition == ProcessCondition(corner: parts[0], temperatureCelsius: celsius) }) else {
            throw ModelError.invalid(text, "is not a condition of this corners report; it has \(known.joined(separator: ", ")) (write CORNER@CELSIUS)")
        }
        return index
    }

    /// The text report.
    public var text: String {
        var lines = ["kn-toolkit process corners and temperature: \(family) cells on \(process), sized and calibrated at \(reference)",
                     "cells measured in ngspice: \(edges.count) of \(cellCount)" + (edges.count < cellCount ? " (the others take the measured cells' mean shift of their layer)" : ""),
                     "read-out: \(inputCount) inputs (\(inputs)), RK4 \(stepsPerUnit) steps per unit time",
                     "Units: offset in activation-argument units, gain/amplitude/copy relative; the bias references are ideal, so they do not move.",
                     ""]
        lines.append("condition        parameter   mean shift     sd         largest (edge)          | read-out error: mean      rms        max" + (nominalAccuracy == nil ? "" : "     accuracy"))
        for r in conditions {
            for (k, s) in r.shifts.enumerated() {
                var line = (k == 0 ? r.condition.description : "").padded(to: 16) + " " + s.parameter.rawValue.padded(to: 10)
                    + String(format: "  %+10.3e  %9.3e  %+10.3e ", s.mean, s.sd, s.largest) + "(\(s.largestEdge))".padded(to: 12)
                if k == 0, let mean = r.meanError, let rms = r.rmsError, let max = r.maxError {
                    line += String(format: " |              %9.3e  %9.3e  %9.3e", mean, rms, max)
                    if let a = r.accuracy { line += String(format: "  %6.2f %%", 100 * a) }
                } else if k == 0 {
                    line += " |              not estimated: cells out of their operating region"
                }
                lines.append(line)
            }
            if !r.brokenCells.isEmpty {
                lines.append("".padded(to: 16) + " \(r.brokenCells.count) of \(edges.count) measured cells do not compute their law here (misfit above "
                             + "\(Int(CellConditionShifts.lawTolerance * 100)) % of the current range; left out of the shifts above): "
                             + r.brokenCells.prefix(12).joined(separator: ", ") + (r.brokenCells.count > 12 ? ", …" : ""))
            }
        }
        if let a = nominalAccuracy { lines.append(String(format: "nominal accuracy %.2f %%", 100 * a)) }
        lines.append(String(format: "%.1f s", seconds))
        return lines.joined(separator: "\n") + "\n"
    }
}
