import Foundation
import KNModel
import KNProcess

/// A process corner and a die temperature a chip may see: the global variation, where mismatch is the local one.
public struct ProcessCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A corner of the process description (sky130: tt, ff, ss, sf, fs; the first letter is the nfet).
    public var corner: String
    public var temperatureCelsius: Double

    public init(corner: String, temperatureCelsius: Double) {
        self.corner = corner
        self.temperatureCelsius = temperatureCelsius
    }

    /// `ss 85 °C`.
    public var description: String { "\(corner) \(String(format: "%g", temperatureCelsius)) °C" }
}

/// How far one cell moves at each process condition from what it does where it was sized and calibrated.
public struct CellConditionShifts: Sendable, Hashable, Codable {
    public var layer: Int
    public var edge: Int
    /// The extraction floor: the cell at its own corner and nominal temperature against the law fitted to it.
    public var baseline: EffectiveDeviation
    /// Per condition (in the order asked for), the extracted deviation minus ``baseline``: the deterministic shift
    /// of the edge's offset (argument units), gain, amplitude and src/des copy (relative).
    public var shifts: [EffectiveDeviation]
    /// Per condition, the RMS misfit of the shifted law to the cell's currents, relative to the current range at
    /// the reference. Above ``lawTolerance`` the cell does not compute its law there, and its shift means nothing.
    public var residuals: [Double]

    /// The largest misfit (of the current range) at which a shifted law still describes the cell: 5 %.
    public static let lawTolerance = 0.05

    public init(layer: Int, edge: Int, baseline: EffectiveDeviation, shifts: [EffectiveDeviation], residuals: [Double]) {
        self.layer = layer
        self.edge = edge
        self.baseline = baseline
        self.shifts = shifts
        self.residuals = residuals
    }

    /// Whether the cell still computes its law, shifted, at condition `c`.
    public func followsLaw(_ c: Int) -> Bool { residuals[c] <= Self.lawTolerance }
}

extension CellBench {
    /// Sweeps the picked cell as sized (mismatch off) at its own corner and nominal temperature, then at each of
    /// `conditions`, and extracts every condition's effective deviation against the law fitted to the first sweep.
    ///
    /// The bias references stay ideal (the same currents at every condition), so what moves is what the devices do
    /// with them: triode resistors and loads, weak-inversion slopes (kT/q), follower levels and output copies.
    public func conditionShifts(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples,
                                pick: FidelityRunner.Pick, conditions: [ProcessCondition]) throws -> CellConditionShifts {
        let cell = circuit.layers[pick.layer].cells.cell(pick.row)
        let nominal = try sweep(circuit, network: network, samples: samples, pick: pick, copies: [nil])
        let extractor = try Self.extractor(nominal, network: network, layer: pick.layer, cell: cell)
        func deviation(_ s: Sweep) throws -> (deviation: EffectiveDeviation, residual: Double) {
            guard let src = s.src.first, let des = s.des.first, (src + des).allSatisfy(\.isFinite) else {
                throw MapError.invalid("layer \(pick.layer) edge \(cell.edge): ngspice gave no finite currents", fix: "check the corner's model files")
            }
            return extractor.fit(vs: s.vs, vd: s.vd, src: src, des: des)
        }
        let baseline = try deviation(nominal).deviation
        let fits = try conditions.map { condition in
            try deviation(try sweep(circuit, network: network, samples: samples, pick: pick, copies: [nil], condition: condition))
        }
        return CellConditionShifts(layer: pick.layer, edge: cell.edge, baseline: baseline, shifts: fits.map { $0.deviation - baseline },
                                   residuals: fits.map(\.residual))
    }
}
