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
    /// R). The pair's tails I_F keep it linear to 1.2× the largest |w·v_u| seen (at least ±3), but not beyond
    /// 1.2·(``tanhSaturation`` + |p2| + the other input's largest |w·v|), where the tanh is flat whatever the
    /// other input does. The offset p2 is a sink of V_t·|p2|/r on one load; tails beyond the loads' DC current
    /// go to vdd through the bypass sources. An input whose weight is so small that the largest stack would
    /// realise more than twice it is left out (its ports on V_CM, weight 0), since that errs less; it is listed.
    func sizeTanh(_ e: EdgePlace, scaling: Scaling, kind: CellKind, correction: CellCorrection,
                  issues: inout [MappingIssue]) -> Cell {
        let (loadSeries, r) = tanhLoad
        let vt = tanhArgumentVolts
        let it = scaling.beta(layer: e.layer) * correction.amplitude
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
            ("S", e.law.w0, e.src, e.srcRange, .src, 2), ("D", e.law.w1, e.des, e.desRange, .des, 4)]
        // Each input's reach |w|·max|v| when it moves the argument (a node, not ground, with a weight and a reach of
        // at least 1e-4), else 0.
        var reaches = terms.map { _, w, node, range, _, _ -> Double in
            let reach = abs(w) * max(abs(range.0), abs(range.1))
            return node != 0 && w != 0 && reach >= 1e-4 ? reach : 0
        }
        let offset = e.law.w2 + correction.offset
        // Input t's front end: the degeneration R_eff it needs, its tails I_F, their 1/gm residue and the stack.
        func frontEnd(_ t: Int) -> (base: Double, tail: Double, residue: Double, wanted: Double,
                                    stack: (series: Int, fingers: Int, ohms: Double)) {
            let base = 2 * r * scaling.alpha(layer: e.layer, node: terms[t].2) / (vt * abs(terms[t].1)) / correction.gain
            // Beyond |w·v| = tanhSaturation + |p2| + (the other input's whole reach) the argument is past the
            // flat tanh whatever the other input does, so the front end may clip there; with one moving input
            // the other reach is zero. Sized for its whole reach instead, a large-reach input needs tails of
            // microamperes, most of which the loads cannot carry: the bypass sources take it, and their mismatch
            // (a few % of microamperes, against the loads' 0.7 µA) moves the argument by about a unit. Only the
            // input with the larger reach can clip, so the other one's reach is never cut.
            let linear = max(1.2 * min(reaches[t], Self.tanhSaturation + abs(offset) + reaches[1 - t]), 3)
            let irMax = vt * linear / (2 * r)
            let tail = max(1.5 * irMax, 2.5 / (base * gmIn))
            let residue = 2 / (gmIn * tail)
            let wanted = base - residue
            return (base, tail, residue, wanted, catalog.resistorStack(ohms: wanted, unit: catalog.nResistorUnit))
        }
        // A weight too small for the largest stack: built, the input would weigh base/(R + residue) times its
        // weight. Beyond twice, leaving the input out (weight 0, an error of |w|) errs less; either way it is listed.
        let weightExcess = (0..<2).map { t -> Double in
            guard reaches[t] > 0 else { return 0 }
            let f = frontEnd(t)
            return f.base / (f.stack.ohms + f.residue)
        }
        for t in 0..<2 where weightExcess[t] > 2 { reaches[t] = 0 }
        let stackRange = "the nfet triode stack range \(catalog.nResistorUnit / 400)…\(catalog.nResistorUnit * 400) ohm"
        for (t, (u, w, _, _, binding, port)) in terms.enumerated() {
            if weightExcess[t] > 2 {
                issues.append(MappingIssue(layer: e.layer, edge: e.edge, quantity: "degeneration of input \(u.lowercased()) (ohm)",
                    value: frontEnd(t).base,
                    limit: "\(stackRange) (the largest would weigh the input \(String(format: "%.1f", weightExcess[t]))× too much, so the input is left out: weight 0)",
                    fix: "weight \(w) is small for this load; raise --alpha or the tanh load"))
                continue
            }
            guard reaches[t] > 0 else { continue }
            let (_, tail, residue, wanted, stack) = frontEnd(t)
            if abs(stack.ohms / wanted - 1) > 0.02 {
                issues.append(MappingIssue(layer: e.layer, edge: e.edge, quantity: "degeneration of input \(u.lowercased()) (ohm)",
                    value: wanted, limit: "\(stackRange) (realised \(stack.ohms))",
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

    /// Sizes a relu2 cell: `β·|A|·(relu(x) − λ·relu(−x))`, `x = w_s·vs + w_d·vd + b`, from src to des (reversed
    /// for A < 0); the negative branch (λ > 0) is built only when x goes below zero over the operating range.
    ///
    /// The internal scale β_c (amperes per unit of argument at node x) starts at β·|A|; it rises when a front
    /// end's transconductance G_u = β_c·|w_u|/α_u would need more than the largest degeneration stack, and
    /// falls when it would need less than the smallest, and the output copies divide or multiply by the
    /// finger ratio r = β·|A|/β_c (at most ``maximumOutputRatio`` either way). Each front end is linear over
    /// 1.2× its ``frontEndReach(_:input:top:clips:)`` (its tails I_F); the offset b is a current β_c·b into or out of x.
    func sizeRelu(_ e: EdgePlace, scaling: Scaling, kind: CellKind, correction: CellCorrection,
                  issues: inout [MappingIssue]) -> Cell {
        var fingers = Array(repeating: 0, count: kind.slots.count)
        var series = Array(repeating: 1, count: kind.slots.count)
        var bias = Array(repeating: 0.0, count: kind.biases.count)
        let law = e.law
        let positive = law.amplitude >= 0
        var ports: [PortBinding] = [.vcm, .vcm, .vcm, .vcm, positive ? .src : .des, positive ? .des : .src]
        var design = Array(repeating: 0.0, count: kind.designValues.count)
        design[design.count - 2] = correction.gain; design[design.count - 1] = correction.offset
        let amplitude = abs(law.amplitude) * scaling.beta(layer: e.layer)
        func set(_ slot: String, fingers f: Int) { fingers[kind.slotIndex(slot)] = f }
        func set(_ slot: String, current: Double) {
            let i = kind.slotIndex(slot)
            fingers[i] = catalog.fingers(kind.slots[i].polarity, kind.slots[i].role, current: current)
        }
        // The inputs that move: (name, weight, node, range, port of gate 1, volts per unit).
        var inputs: [(u: String, w: Double, node: Int, range: (Double, Double), port: Int, alpha: Double)] = []
        for (u, w, node, range, port) in [("S", law.w0, e.src, e.srcRange, 0), ("D", law.w1, e.des, e.desRange, 2)]
            where node != 0 && w != 0 && max(abs(range.0), abs(range.1)) > 0 {
            inputs.append((u, w, node, range, port, scaling.alpha(layer: e.layer, node: node)))
        }
        let offset = law.w2 + correction.offset
        // Each input's share of the argument over its operating range, and the argument's largest and smallest
        // values (inputs at their corners); the negative branch works when the law leaks (λ > 0) and the
        // argument goes below zero.
        let shares = inputs.map { input -> (low: Double, high: Double) in
            let a = correction.gain * input.w * input.range.0, b = correction.gain * input.w * input.range.1
            return (min(a, b), max(a, b))
        }
        let top = shares.reduce(offset) { $0 + $1.high }
        let bottom = shares.reduce(offset) { $0 + $1.low }
        let negative = law.leak > 0 && bottom < 0
        let span = max(top, negative ? -bottom : 0)
        guard amplitude > 0, span > 0 else {
            return Cell(edge: e.edge, src: e.src, des: e.des, p0: e.p0, p1: e.p1, p2: e.p2, fingers: fingers, series: series,
                        bias: bias, ports: ports, design: design)
        }
        let gmIn = catalog.gmOverID[.n]![.input]!
        let unit = catalog.nResistorUnit
        let gMin = 2.2 / (unit * Double(maximumDegenerationUnits)), gMax = 2e-5
        // Argument units per volt of each input, and the internal scale that keeps every G_u in range.
        let perVolt = inputs.map { correction.gain * abs($0.w) / $0.alpha }
        var betaC = max(amplitude, minimumInternalCurrent / span)
        if let k = perVolt.min(), betaC * k < gMin { betaC = gMin / k }
        if let k = perVolt.max(), betaC * k > gMax { betaC = gMax / k }
        var ratio = amplitude / betaC
        if ratio < 1 / maximumOutputRatio || ratio > maximumOutputRatio {
            let clamped = min(max(ratio, 1 / maximumOutputRatio), maximumOutputRatio)
            issues.append(MappingIssue(layer: e.layer, edge: e.edge, quantity: "output mirror ratio", value: ratio,
                limit: "the largest output ratio 1/\(Int(maximumOutputRatio))…\(Int(maximumOutputRatio)) (realised \(clamped))",
                fix: ratio < 1 ? "the edge current β·|A| = \(amplitude) A/unit is small next to what its inputs need: raise --beta"
                               : "the edge current β·|A| = \(amplitude) A/unit is large: lower --beta"))
            ratio = clamped
        }
        let outPeak = amplitude * max(top, 0), negativePeak = amplitude * law.leak * max(-bottom, 0)
        let positiveCopy = outputCopy(ratio, peak: top > 0 ? outPeak : negativePeak / law.leak)
        ratio = positiveCopy.ratio
        betaC = amplitude / ratio
        var negativeCopy = OutputCopy(diode: 0, copy: 0, series: 1), negativeRatio = 0.0
        if negative {
            // The leak's copies divide by widening their diode, not by stacks: where the argument is positive
            // and the leak branch should be off, a wide diode still passes a part of the leak's current, but
            // that is λ (1 %) of what the positive branch carries there. Stacks there would double a leaky
            // cell's instances, and the time of its ngspice runs.
            negativeCopy = law.leak == 1 ? positiveCopy : outputCopy(ratio * law.leak, peak: negativePeak, stacked: false)
            negativeRatio = negativeCopy.ratio
        }
        var tails = 0.0
        var gains = [0.0, 0.0]
        for (t, input) in inputs.enumerated() {
            let g = betaC * perVolt[t]
            let dv = 1.2 * frontEndReach(shares, input: t, top: top, clips: !negative) / perVolt[t]
            var tail = max(1.5 * g * dv / 2, 1.25 * g / gmIn, 1e-12)
            var residue = 2 / (gmIn * tail)
            let wanted = 2 / g - residue
            let stack = catalog.resistorStack(ohms: wanted, unit: unit)
            // A stack above the wanted value (the grid of series/parallel units) is made exact with more tail
            // current, which shrinks the 1/gm residue: G = 2/(R + 2/(gm/ID·I_F)).
            if stack.ohms > wanted, stack.ohms < 2 / g {
                tail = 2 / (gmIn * (2 / g - stack.ohms))
                residue = 2 / (gmIn * tail)
            }
            if abs((stack.ohms + residue) * g / 2 - 1) > 0.02 {
                issues.append(MappingIssue(layer: e.layer, edge: e.edge, quantity: "degeneration of input \(input.u.lowercased()) (ohm)",
                    value: wanted, limit: "the nfet triode stack range \(unit / 400)…\(unit * 400) ohm (realised \(stack.ohms))",
                    fix: wanted > stack.ohms ? "G = \(g) S is too small even after the output ratio: raise --beta"
                                              : "G = \(g) S is too large: lower --beta"))
            }
            let index = input.u == "S" ? 0 : 1
            gains[index] = 2 / (stack.ohms + residue)
            let ri = kind.slotIndex("R\(input.u)")
            fingers[ri] = stack.fingers; series[ri] = stack.series
            for s in ["M\(input.u)1", "M\(input.u)2", "T\(input.u)1", "T\(input.u)2", "B\(input.u)"] { set(s, current: tail) }
            bias[kind.biasIndex("if\(input.u.lowercased())")] = tail
            // w > 0: the node drives device 1 (load a1, which x receives); w < 0: device 2 (which x gives away).
            ports[input.port] = input.w > 0 ? (index == 0 ? .src : .des) : .vcm
            ports[input.port + 1] = input.w > 0 ? .vcm : (index == 0 ? .src : .des)
            tails += tail
        }
        if let issue = precisionIssue(e, tails: tails, betaC: betaC, offset: offset, gain: correction.gain,
                                      negative: negative, perVolt: perVolt.max() ?? 0) {
            issues.append(issue)
        }
        for s in ["A1", "A1C", "A2", "A2C", "X1", "X1C", "Y2", "Y2C", "B2", "B2C", "X2", "X2C"] { set(s, current: tails) }
        let io = betaC * offset
        if io < 0 {
            for s in ["OFN", "OFNC", "BO"] { set(s, current: -io) }
            bias[kind.biasIndex("ioffn")] = -io
        } else if io > 0 {
            for s in ["OFP", "OFPC", "BPO"] { set(s, current: io) }
            bias[kind.biasIndex("ioffp")] = io
        }
        func set(_ copy: OutputCopy, diode: String, copies: [String]) {
            for s in [diode, diode + "C"] { set(s, fingers: copy.diode) }
            for s in copies {
                set(s, fingers: copy.copy)
                set(s + "C", fingers: copy.copy)
                series[kind.slotIndex(s)] = copy.series
            }
        }
        if top > 0 {
            set(positiveCopy, diode: "DX", copies: ["NS", "NP"])
            for s in ["PB", "PBC", "PS", "PSC"] { set(s, current: outPeak) }
        }
        if negative {
            for s in ["Y1", "Y1C", "B1", "B1C", "XN2", "XN2C", "XN1", "XN1C"] { set(s, current: tails) }
            // y takes the opposite argument, so its offset current flows the other way.
            if io > 0 {
                for s in ["OFNY", "OFNYC", "BOY"] { set(s, current: io) }
                bias[kind.biasIndex("ioffyn")] = io
            } else if io < 0 {
                for s in ["OFPY", "OFPYC", "BPOY"] { set(s, current: -io) }
                bias[kind.biasIndex("ioffyp")] = -io
            }
            set(negativeCopy, diode: "DY", copies: ["NSY", "NPY"])
            for s in ["PBY", "PBYC", "PSY", "PSYC"] { set(s, current: negativePeak) }
        }
        design = [gains[0], gains[1], betaC, ratio, io, negativeRatio, correction.gain, correction.offset]
        return Cell(edge: e.edge, src: e.src, des: e.des, p0: e.p0, p1: e.p1, p2: e.p2, fingers: fingers, series: series,
                    bias: bias, ports: ports, design: design)
    }

    /// The issue of a relu cell whose front ends carry more than ``maximumTailRatio`` times the largest current
    /// its rectifier takes at the visited points (``EdgePlace/visited``): nil when it does not, or when the edge
    /// never passes its knee on the samples.
    ///
    /// Node x receives the difference of two copies of the loads' currents, each about the tails' size, so a
    /// systematic copy error ε shows as ε·tails/peak of the peak. The tails cannot shrink with the peak: a front
    /// end's G = β_c·k (k argument units per volt) needs at least G·n·U_T of tail, so tails/peak is about
    /// n·U_T over the input window the edge uses past its knee. An edge that passes its knee by a tenth of a
    /// unit on a node at 42 µV per unit uses 4 µV there. Measured on 200 mnist edges (sky130): every edge up to
    /// a ratio of 1,100 was within 2 % NRMSE; all six above 2,800 were at 6.6 to 120 %.
    func precisionIssue(_ e: EdgePlace, tails: Double, betaC: Double, offset: Double, gain: Double,
                        negative: Bool, perVolt: Double) -> MappingIssue? {
        guard let visited = e.visited else { return nil }
        let top = max(gain * visited.low, gain * visited.high) + offset
        let bottom = min(gain * visited.low, gain * visited.high) + offset
        let reach = max(top, negative ? -bottom : 0)
        guard reach > 0, tails > maximumTailRatio * betaC * reach else { return nil }
        let volts = perVolt > 0 ? reach / perVolt : 0
        return MappingIssue(layer: e.layer, edge: e.edge, quantity: "front-end current over the largest rectified current",
            value: tails / (betaC * reach),
            limit: "\(Int(maximumTailRatio))× (the copies at the rectifier node cannot subtract more precisely)",
            fix: "the edge passes its knee by only \(String(format: "%.3g", reach)) units on the sample inputs, "
                + "\(String(format: "%.3g", volts)) V at its inputs: give its input nodes a larger scale (--alpha), "
                + "or prune the edge")
    }

    /// The largest ratio of a relu cell's front-end tail current to the largest current its rectifier takes
    /// on the sample inputs (``precisionIssue(_:tails:betaC:offset:gain:negative:perVolt:)``).
    var maximumTailRatio: Double { 2000 }

    /// A relu cell's output copies (NS, NP and their cascodes) against its two-level rectifier diode (DX and its
    /// upper diode): the diode's fingers, and the copies' fingers and the series units of their lower devices.
    struct OutputCopy {
        var diode: Int
        var copy: Int
        var series: Int
        /// The realized ratio of the copies' current to the diode's.
        var ratio: Double { Double(copy) / (Double(diode) * Double(series)) }
    }

    /// Sizes the output copies of a rectifier for the current ratio `ratio`, with `peak` the copies' largest
    /// current. The diode is sized for its own peak (`peak / ratio`); a multiplying copy gets ratio × its
    /// fingers. A dividing one is a stack of one-finger units, ``maximumCopySeries`` at most, with the
    /// diode widened only beyond that; or, not `stacked`, one finger against a diode widened to 1/ratio.
    ///
    /// Dividing by stacking keeps the diode narrow, so it needs its full two gate-source drops for its
    /// current. The rectifier node then holds the diode off when the argument goes negative and the node falls
    /// to where its sinks leave saturation. A diode 35 fingers wide, dividing by 35 at 2 nA, still passed 16 %
    /// of its peak there (sky130); one finger passes 4.5 %.
    func outputCopy(_ ratio: Double, peak: Double, stacked: Bool = true) -> OutputCopy {
        var diode = max(1, catalog.fingers(.n, .diode, current: peak / ratio))
        let copy = Int((Double(diode) * ratio).rounded())
        if copy >= 1 { return OutputCopy(diode: diode, copy: copy, series: 1) }
        let units = 1 / ratio
        if !stacked { return OutputCopy(diode: max(1, Int(units.rounded())), copy: 1, series: 1) }
        if units / Double(diode) > Double(maximumCopySeries) { diode = Int((units / Double(maximumCopySeries)).rounded(.up)) }
        return OutputCopy(diode: diode, copy: 1, series: max(1, Int((units / Double(diode)).rounded())))
    }

    /// The most series units of one output copy of a relu cell.
    var maximumCopySeries: Int { 64 }

    /// The argument units over which a relu2 front end must be linear: its input's whole share of the argument
    /// (`shares[input]`, over the operating range), or, when the cell has no negative branch (`clips`), only
    /// the part of it at which the argument can still reach −`top` whatever the other inputs do. Below that the
    /// relu is off, so the front end may saturate there. Sized for its whole share instead, an input that
    /// spans thousands of units below a knee it passes by one unit (mnist's hidden nodes) needs tails a
    /// thousand times the rectifier's current, and the output is a small difference of large currents.
    func frontEndReach(_ shares: [(low: Double, high: Double)], input t: Int, top: Double, clips: Bool) -> Double {
        let share = shares[t]
        guard clips else { return max(abs(share.low), abs(share.high)) }
        // x = share + (top − share.high) at most from the others and the offset; x ≥ −top needs share ≥ floor.
        let floor = -top - (top - share.high)
        let low = min(max(share.low, floor), share.high)
        return max(abs(low), abs(share.high))
    }

    /// Sizes one edge's cell for its kind, with its mirrors scaled for matching (`mirrors`: the kind's
    /// ``mirrorPlan(_:)``, worked out here when not given).
    func size(_ e: EdgePlace, kind: CellKind, scaling: Scaling, correction: CellCorrection, mirrors: MirrorPlan? = nil,
              issues: inout [MappingIssue]) -> Cell {
        let cell = kind.name == "tanh2"
            ? sizeTanh(e, scaling: scaling, kind: kind, correction: correction, issues: &issues)
            : sizeRelu(e, scaling: scaling, kind: kind, correction: correction, issues: &issues)
        return matchMirrors(cell, plan: mirrors ?? mirrorPlan(kind))
    }

    /// The tanh argument beyond which a one-input tanh cell's front end may clip: tanh(4) = 0.99933.
    static var tanhSaturation: Double { 4 }

    /// The largest ratio of a relu cell's output copies to its rectifier (either way).
    var maximumOutputRatio: Double { 256 }

    /// The largest degeneration stack of a relu cell, in triode units (an 8 µm unit is ~59 kΩ in sky130): a
    /// smaller transconductance is made with more internal current and a dividing output ratio, because
    /// the stacks dominate the cell's area.
    var maximumDegenerationUnits: Int { 64 }

    /// The least peak current at a relu cell's rectifier, amperes (below it the diode's leakage shows).
    var minimumInternalCurrent: Double { 2e-9 }
}
