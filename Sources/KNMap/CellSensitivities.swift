import Foundation
import KNModel
import KNProcess
import KNSimulate

/// How one device slot of a sized cell moves the cell's effective parameters: the derivatives with respect to
/// a threshold shift ΔVT of the whole slot (every finger and every series unit) and to a current-factor change
/// Δβ/β of the whole slot.
public struct SlotSensitivity: Sendable, Hashable, Codable {
    /// The slot's name in its ``CellKind`` (`MS1`, `QL`, …).
    public var slot: String
    public var polarity: Polarity
    /// Parallel fingers of one instance and series units (instances) of the slot.
    public var fingers: Int
    public var series: Int
    /// One finger's width and the length, µm.
    public var fingerWidthUm: Double
    public var lengthUm: Double
    /// ∂(offset, gain, amplitude, copy)/∂ΔVT, per volt.
    public var perVolt: EffectiveDeviation
    /// ∂(offset, gain, amplitude, copy)/∂(Δβ/β).
    public var perRelativeBeta: EffectiveDeviation
    /// Per series unit: the gate-referred σ (volts) of the instance at its operating point, from a foundry Monte Carlo
    /// of the device alone (threshold and current-factor mismatch together; see ``CellBench``'s device spread).
    public var operatingSigmaVT: [Double]
}

/// The sensitivities of every present slot of one mapped cell, measured in ngspice at the nominal point.
public struct CellSensitivities: Sendable, Hashable, Codable {
    public var layer: Int
    public var edge: Int
    /// The cell kind (`tanh2`, `relu2`).
    public var kind: String
    /// The law fitted to the nominal cell, against which deviations are extracted.
    public var nominal: CommonEdgeLaw
    /// The extracted deviation of the unperturbed cell against its own law (the extraction's floor; ideally 0).
    public var baseline: EffectiveDeviation
    public var slots: [SlotSensitivity]
}

extension CellBench {
    /// Perturbation steps of the sensitivity measurement: ΔVT in volts and Δβ/β.
    public static let thresholdStep = 0.5e-3
    public static let currentFactorStep = 0.5e-2

    /// Measures the sensitivities of the picked cell with the mismatch off: one sweep of the nominal cell and, per
    /// present slot, one copy with the slot's threshold raised by ``thresholdStep`` and one with its current factor
    /// raised by ``currentFactorStep`` (all in one ngspice process). The derivatives are one-sided differences of the
    /// extracted deviations.
    public func sensitivities(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples,
                              pick: FidelityRunner.Pick) throws -> CellSensitivities {
        let kind = circuit.cellKinds[0]
        let cell = circuit.layers[pick.layer].cells.cell(pick.row)
        let present = kind.slots.indices.filter { cell.fingers[$0] > 0 }
        var copies: [SlotPerturbation?] = [nil]
        for s in present {
            copies.append(SlotPerturbation(slot: s, change: .threshold(Self.thresholdStep)))
            copies.append(SlotPerturbation(slot: s, change: .currentFactor(Self.currentFactorStep)))
        }
        let probes = Self.probeVectors(kind, cell)
        let sweep = try self.sweep(circuit, network: network, samples: samples, pick: pick, copies: copies, probes: probes)
        let middle = sweep.vs.count / 2
        let voltages = sweep.probes.mapValues { $0[middle] }
        let sigmas = try deviceSigmas(circuit, cell: cell, voltages: voltages, seed: 1 + pick.layer * 100_003 + cell.edge)
        let units = Self.instances(kind, cell)
        let extractor = try Self.extractor(sweep, network: network, layer: pick.layer, cell: cell)
        func deviation(_ k: Int) -> EffectiveDeviation {
            extractor.extract(vs: sweep.vs, vd: sweep.vd, src: sweep.src[k], des: sweep.des[k])
        }
        let baseline = deviation(0)
        func scaled(_ d: EffectiveDeviation, _ step: Double) -> EffectiveDeviation {
            let x = d - baseline
            return EffectiveDeviation(offset: x.offset / step, gain: x.gain / step, amplitude: x.amplitude / step, copy: x.copy / step)
        }
        let slots = present.enumerated().map { j, s in
            SlotSensitivity(slot: kind.slots[s].name, polarity: kind.slots[s].polarity, fingers: cell.fingers[s],
                            series: kind.units(s, series: cell.series[s]),
                            fingerWidthUm: kind.slots[s].fingerWidthUm, lengthUm: kind.slots[s].lengthUm,
                            perVolt: scaled(deviation(1 + 2 * j), Self.thresholdStep),
                            perRelativeBeta: scaled(deviation(2 + 2 * j), Self.currentFactorStep),
                            operatingSigmaVT: zip(units, sigmas).filter { $0.0.slot == s }.map(\.1))
        }
        return CellSensitivities(layer: pick.layer, edge: cell.edge, kind: kind.name, nominal: extractor.nominal,
                                 baseline: baseline, slots: slots)
    }

    /// The extractor of a sweep whose first copy is the nominal cell.
    static func extractor(_ sweep: Sweep, network: Network, layer: Int, cell: Cell) throws -> CellParameterExtractor {
        let p = network.edgeParameters(layer: layer, edge: cell.edge)
        let ideal = CommonEdgeLaw.ideal(family: network.family, p0: p.p0, p1: p.p1, p2: p.p2)
        guard let src = sweep.src.first, let des = sweep.des.first, (src + des).allSatisfy(\.isFinite) else {
            throw MapError.invalid("edge \(cell.edge): the nominal cell's currents are not finite", fix: "check the cell's sizes and biases in circuit.json")
        }
        return CellParameterExtractor(vs: sweep.vs, vd: sweep.vd, src: src, des: des, ideal: ideal)
    }
}

extension CellSensitivities {
    /// The largest |weight| (argument units per model unit) of a ground edge's one input at which the cell's
    /// argument counts as constant (an input left out, or realised at the largest stack).
    public static let constantArgumentWeight = 0.005

    /// The sensitivities as the network sees them when the edge runs from node `src` to node `des`.
    ///
    /// An edge to or from ground (node 0) feeds one node only, and when its argument does not move (its one input
    /// weighs less than ``constantArgumentWeight``) that node sees one number per device: the shift of a constant
    /// current. The extraction cannot tell an argument offset from an amplitude there (act(b) is all it sees), and
    /// the unused copy's own shift lands in the amplitudes and the copy divided by act(b): with act(b) of a few
    /// hundredths, σ of hundreds of per cent, which a network multiplies with arguments that do move (a 60-edge
    /// twomoon cut predicted 4× the σ that ngspice measured). Here each device's shift of the used side's current,
    /// `act'(b)·offset + act(b)·amplitude` (for des: amplitude plus copy, to first order), is split between offset and
    /// amplitude at least norm, and gain and copy are 0. Any other edge is returned unchanged.
    public func seen(src: Int, des: Int) -> CellSensitivities {
        guard (src == 0) != (des == 0) else { return self }
        let weight = src == 0 ? nominal.wd : nominal.ws
        guard abs(weight) < Self.constantArgumentWeight else { return self }
        let (value, slope) = nominal.activate(nominal.b)
        let norm = slope * slope + value * value
        func used(_ d: EffectiveDeviation) -> EffectiveDeviation {
            guard norm > 0 else { return EffectiveDeviation(offset: 0, gain: 0, amplitude: 0, copy: 0) }
            let shift = slope * d.offset + value * (des == 0 ? d.amplitude : d.amplitude + d.copy)
            return EffectiveDeviation(offset: slope * shift / norm, gain: 0, amplitude: value * shift / norm, copy: 0)
        }
        var seen = self
        for i in seen.slots.indices {
            seen.slots[i].perVolt = used(slots[i].perVolt)
            seen.slots[i].perRelativeBeta = used(slots[i].perRelativeBeta)
        }
        return seen
    }
}
