import Foundation
import KNModel
import KNProcess

extension Mapper {
    /// The tanh cell's load: series pfet triode units closest to ``MapOptions/tanhLoad``.
    var tanhLoad: (series: Int, ohms: Double) {
        let series = max(1, Int((options.tanhLoad / catalog.pResistorUnit).rounded()))
        return (series, Double(series) * catalog.pResistorUnit)
    }

    /// Voltage at the loads per unit of tanh argument: the pair's V_t divided by the nfet followers' gain
    /// (≈ 1/n in weak inversion, n from the largest gm/ID: gm/ID = 1/(n·U_T)).
    var tanhArgumentVolts: Double {
        let thermal = 1.380649e-23 * (catalog.process.nominalTemperatureCelsius + 273.15) / 1.602176634e-19
        let maxGmID = catalog.gmOverID[.n]![.input]! / 0.92
        let followerGain = min(1, thermal * maxGmID)
        return catalog.tanhScale / followerGain
    }

    /// Sizes a ShiftTanh2 cell: `IT·tanh(p0·vs + p1·vd + p2)` with IT = β.
    ///
    /// Each input u with weight w drives a degenerated pair whose differential current, through the loads r,
    /// gives ΔV = V_t·w·v_u: R_eff = 2·r·α / (V_t·|w|), with R_eff = R + 2/gm (the 1/gm residue is taken off
    /// R). The pair's tails I_F keep it linear to 1.2× the largest |w·v_u| seen (at least ±3). The offset p2
    /// is a sink of V_t·|p2|/r on one load.
    func sizeTanh(_ e: EdgePlace, scaling: Scaling, kind: CellKind, correction: CellCorrection,
                  issues: inout [MappingIssue]) -> Cell {
        let (loadSeries, r) = tanhLoad
        let vt = tanhArgumentVolts
        let it = scaling.beta * correction.amplitude
        let gmIn = catalog.gmOverID[.n]![.input]!
        var fingers = Array(repeating: 0, count: kind.slots.count)
        var series = Array(repeating: 1, count: kind.slots.count)
        var bias = Array(repeating: 0.0, count: kind.biases.count)
        func set(_ slot: String, current: Double) {
            let i = kind.slotIndex(slot)
            fingers[i] = catalog.fingers(kind.slots[i].polarity, kind.slots[i].role, current: current)
        }
        var reff = [0.0, 0.0]
        var ports: [PortBinding] = [.src, .des, .vcm, .vcm, .vcm, .vcm]
        var tails = 0.0
        let terms: [(String, Double, Int, (Double, Double), PortBinding, Int)] = [
            ("S", e.p0, e.src, e.srcRange, .src, 2), ("D", e.p1, e.des, e.desRange, .des, 4)]
        for (t, (u, w, node, range, binding, port)) in terms.enumerated() {
            let reach = abs(w) * max(abs(range.0), abs(range.1))
            guard node != 0, w != 0, reach >= 1e-4 else { continue }
            let base = 2 * r * scaling.alpha / (vt * abs(w)) / correction.gain
            let linear = max(1.2 * reach, 3)
            let irMax = vt * linear / (2 * r)
            let tail = max(1.5 * irMax, 2.5 / (base * gmIn))
            let residue = 2 / (gmIn * tail)
            let wanted = base - residue
            let stack = catalog.resistorStack(ohms: wanted, unit: catalog.nResistorUnit)
            if abs(stack.ohms / wanted - 1) > 0.02 {
                issues.append(MappingIssue(layer: e.layer, edge: e.edge, quantity: "degeneration of input \(u.lowercased()) (ohm)",
                    value: wanted, limit: "the nfet triode stack range \(catalog.nResistorUnit / 400)…\(catalog.nResistorUnit * 400) ohm (realised \(stack.ohms))",
                    fix: abs(w) < 1 ? "weight \(w) is small for this load; raise --alpha or the tanh load" : "lower --alpha or the tanh load"))
            }
            reff[t] = stack.ohms + residue
            set("M\(u)1", current: tail); set("M\(u)2", current: tail)
            set("T\(u)1", current: tail); set("T\(u)2", current: tail); set("B\(u)", current: tail)
            let ri = kind.slotIndex("R\(u)")
            fingers[ri] = stack.fingers; series[ri] = stack.series
            bias[kind.biasIndex("if\(u.lowercased())")] = tail
            tails += tail
            // w > 0: the node drives the n-side device (gate 2), so ΔV(p − n) rises with the node.
            ports[port] = w > 0 ? .vcm : binding
            ports[port + 1] = w > 0 ? binding : .vcm
        }
        for load in ["RLP", "RLN"] {
            let i = kind.slotIndex(load)
            fingers[i] = 1; series[i] = loadSeries
        }
        let bypass = max(0, tails - catalog.pResistorCurrent)
        set("SP", current: bypass); set("SN", current: bypass); set("BSP", current: bypass)
        bias[kind.biasIndex("isrc")] = bypass
        let offset = e.p2 + correction.offset
        let io = vt * abs(offset) / r
        if io > 0 {
            set(offset > 0 ? "ON" : "OP", current: io); set("BO", current: io)
            bias[kind.biasIndex("ioff")] = io
        }
        let follower = it
        for s in ["FP", "FN", "TFP", "TFN", "BF"] { set(s, current: follower) }
        bias[kind.biasIndex("ifol")] = follower
        set("QL", current: it / 2); set("QR", current: it / 2); set("TQ", current: it); set("BQ", current: it)
        bias[kind.biasIndex("itail")] = it
        for s in ["PL", "PLC", "PR", "PRC", "PLO", "PLOC", "PLN", "PLNC", "PRO", "PROC", "PRN", "PRNC",
                  "NL", "NLC", "NR", "NRC", "NLO", "NLOC", "NRO", "NROC"] { set(s, current: it / 2) }
        return Cell(edge: e.edge, src: e.src, des: e.des, p0: e.p0, p1: e.p1, p2: e.p2, fingers: fingers, series: series,
                    bias: bias, ports: ports, design: [reff[0], reff[1], r, vt, it, correction.amplitude, correction.gain, correction.offset])
    }

    /// Sizes a ShiftRelu1 cell: `β·|p1|·relu(vs − vd − p0)` from src to des (reversed for p1 < 0).
    ///
    /// G = β·|p1|/α is the pair's differential transconductance, G = 2/(R + 2/gm); the tails I_F keep it
    /// linear over 1.2× the largest |vs − vd| seen; the knee is the offset current G·α·p0 at node x.
    func sizeRelu(_ e: EdgePlace, scaling: Scaling, kind: CellKind, correction: CellCorrection,
                  issues: inout [MappingIssue]) -> Cell {
        var fingers = Array(repeating: 0, count: kind.slots.count)
        var series = Array(repeating: 1, count: kind.slots.count)
        var bias = Array(repeating: 0.0, count: kind.biases.count)
        let forward = e.p1 >= 0
        let ports: [PortBinding] = [.src, .des, forward ? .src : .des, forward ? .des : .src]
        let a = scaling.alpha
        let g = correction.gain * scaling.beta * abs(e.p1) / a
        guard g > 0 else {
            return Cell(edge: e.edge, src: e.src, des: e.des, p0: e.p0, p1: e.p1, p2: e.p2, fingers: fingers, series: series,
                        bias: bias, ports: ports, design: [0, 0, 0, 0, correction.gain, correction.offset])
        }
        func set(_ slot: String, current: Double) {
            let i = kind.slotIndex(slot)
            fingers[i] = catalog.fingers(kind.slots[i].polarity, kind.slots[i].role, current: current)
        }
        let gmIn = catalog.gmOverID[.n]![.input]!
        let knee = e.p0 + correction.offset
        let low = e.srcRange.0 - e.desRange.1, high = e.srcRange.1 - e.desRange.0
        let dv = a * max(abs(low), abs(high), abs(knee)) * 1.2
        let tail = max(1.5 * g * dv / 2, 1.25 * g / gmIn, 1e-12)
        let residue = 2 / (gmIn * tail)
        let wanted = 2 / g - residue
        let stack = catalog.resistorStack(ohms: wanted, unit: catalog.nResistorUnit)
        if abs(stack.ohms / wanted - 1) > 0.02 {
            issues.append(MappingIssue(layer: e.layer, edge: e.edge, quantity: "degeneration (ohm)", value: wanted,
                limit: "the nfet triode stack range \(catalog.nResistorUnit / 400)…\(catalog.nResistorUnit * 400) ohm (realised \(stack.ohms))",
                fix: wanted > stack.ohms ? "G = β·|p1|/α = \(g) S is too small: raise --beta or lower --alpha" : "G is too large: lower --beta"))
        }
        let ri = kind.slotIndex("RD")
        fingers[ri] = stack.fingers; series[ri] = stack.series
        for s in ["M1", "M2", "T1", "T2", "BT", "A1", "A1C", "A2", "A2C", "X1", "X1C", "Y2", "Y2C", "B2", "B2C", "X2", "X2C"] {
            set(s, current: tail)
        }
        bias[kind.biasIndex("if")] = tail
        let io = g * a * knee
        if io > 0 {
            for s in ["OFN", "OFNC", "BO"] { set(s, current: io) }
            bias[kind.biasIndex("ioffn")] = io
        } else if io < 0 {
            for s in ["OFP", "OFPC", "BPO"] { set(s, current: -io) }
            bias[kind.biasIndex("ioffp")] = -io
        }
        let peak = max(g * (a * high - a * knee), 0.1 * tail)
        for s in ["DX", "DXC", "NS", "NSC", "NP", "NPC", "PB", "PBC", "PS", "PSC"] { set(s, current: peak) }
        return Cell(edge: e.edge, src: e.src, des: e.des, p0: e.p0, p1: e.p1, p2: e.p2, fingers: fingers, series: series,
                    bias: bias, ports: ports, design: [g, tail, io, stack.ohms + residue, correction.gain, correction.offset])
    }
}
