import Foundation
import KNProcess

/// The cell kinds kn-toolkit maps edges onto, with the gate lengths of ``DeviceCatalog``.
///
/// Conventions shared by all kinds (DESIGN.md §3):
/// - Inputs are nfet gates (the sky130 pfet has |VTH| ≈ 1 V).
/// - Every current a cell delivers to a network node leaves a low-voltage cascode mirror (cascode gates at
///   the global `vbnc` / `vbpc`), because a weak-inversion drain current moves about 18 %/V with VDS.
/// - Mirrors are 1:1 with identical fingers on both sides; the PDK multiplier is never used for ratios.
/// - Bias currents come from one ideal reference per bias slot into a diode-connected device of the cell.
public enum CellLibrary {
    /// `tanh(p0·vs + p1·vd + p2)`: ShiftTanh2 (and ShiftTanh1 / Device-tanh with the weights rewritten).
    public static func tanh2(_ catalog: DeviceCatalog) -> CellKind {
        var b = Builder(catalog)
        // Front end of input s: degenerated nfet pair, gates as1/as2 (one at the node, one at vcm).
        for (u, g1, g2) in [("S", "as1", "as2"), ("D", "ad1", "ad2")] {
            let s1 = "s\(u.lowercased())1", s2 = "s\(u.lowercased())2", bias = "b\(u.lowercased())"
            b.n("M\(u)1", d: "p", g: g1, s: s1, .input, "front end \(u): input device, drain to load p")
            b.n("M\(u)2", d: "n", g: g2, s: s2, .input, "front end \(u): input device, drain to load n")
            b.n("T\(u)1", d: s1, g: bias, s: "vss", .tail, "front end \(u): tail current I_F")
            b.n("T\(u)2", d: s2, g: bias, s: "vss", .tail, "front end \(u): tail current I_F")
            b.n("B\(u)", d: bias, g: bias, s: "vss", .diode, "front end \(u): tail bias diode")
            b.r("R\(u)", .n, a: s1, b: s2, gate: "vdd", "front end \(u): degeneration, sets the weight")
            b.bias("if\(u.lowercased())", net: bias, .fromVDD, "front end \(u) tail current I_F")
        }
        b.r("RLP", .p, a: "p", b: "vdd", gate: "vss", "load of p: pfet triode to vdd")
        b.r("RLN", .p, a: "n", b: "vdd", gate: "vss", "load of n: pfet triode to vdd")
        b.p("SP", d: "p", g: "bsp", s: "vdd", .tail, "DC bypass source into p")
        b.p("SN", d: "n", g: "bsp", s: "vdd", .tail, "DC bypass source into n")
        b.p("BSP", d: "bsp", g: "bsp", s: "vdd", .diode, "bypass bias diode")
        b.bias("isrc", net: "bsp", .toVSS, "DC bypass current (front-end tails minus the load's DC current)")
        b.n("OP", d: "p", g: "bo", s: "vss", .tail, "offset sink on p (p2 < 0)")
        b.n("ON", d: "n", g: "bo", s: "vss", .tail, "offset sink on n (p2 > 0)")
        b.n("BO", d: "bo", g: "bo", s: "vss", .diode, "offset bias diode")
        b.bias("ioff", net: "bo", .fromVDD, "offset current r·I_o = V_t·|p2|")
        b.n("FP", d: "vdd", g: "p", s: "pf", .follower, "level shift of p")
        b.n("FN", d: "vdd", g: "n", s: "nf", .follower, "level shift of n")
        b.n("TFP", d: "pf", g: "bf", s: "vss", .tail, "follower current")
        b.n("TFN", d: "nf", g: "bf", s: "vss", .tail, "follower current")
        b.n("BF", d: "bf", g: "bf", s: "vss", .diode, "follower bias diode")
        b.bias("ifol", net: "bf", .fromVDD, "follower current")
        b.n("QL", d: "dl", g: "pf", s: "tq", .tanhPair, "tanh pair, left: I1 = IT/2·(1 + tanh x)")
        b.n("QR", d: "dr", g: "nf", s: "tq", .tanhPair, "tanh pair, right: I2 = IT/2·(1 − tanh x)")
        b.n("TQ", d: "tq", g: "bq", s: "vss", .tail, "tanh tail IT = amplitude β")
        b.n("BQ", d: "bq", g: "bq", s: "vss", .diode, "tanh tail bias diode")
        b.bias("itail", net: "bq", .fromVDD, "tanh amplitude IT")
        b.outputStage()
        return CellKind(
            name: "tanh2", template: "tanh2.sp",
            summary: """
            Two degenerated nfet transconductors (inputs s and d against vcm) sum their differential currents \
            into pfet triode loads p/n (ΔV = V_t·x), an offset sink adds V_t·p2, nfet followers shift p/n down, \
            and a weak-inversion nfet pair turns ΔV into IT·tanh(x); the floating output stage sources I1 − I2 \
            into des and sinks it from src.
            """,
            cellPorts: ["src", "des", "as1", "as2", "ad1", "ad2"],
            globalPorts: ["vdd", "vss", "vbnc", "vbpc"],
            slots: b.slots, biases: b.biases,
            designValues: ["Reff_s (ohm)", "Reff_d (ohm)", "r_load (ohm)", "V_t (V)", "IT (A)", "amplitude correction", "argument gain", "argument offset"])
    }

    /// `A·(relu(x) − λ·relu(−x))` with `x = w_s·vs + w_d·vd + b`: ShiftRelu1 (`|p1|·relu(vs − vd − p0)`, oriented
    /// by the sign of p1), ShiftRelu2 (`relu(p0·vs + p1·vd + p2)`), the leaky relus (λ = 0.01) and Conductance
    /// (λ = 1, a linear transconductor). The negative branch's devices are absent (zero fingers) when λ = 0.
    ///
    /// Each input has its own degenerated front end against V_CM, so the two weights can differ: that is what
    /// lets src and des sit at different voltage scales (``Scaling/nodeAlpha``), and what ShiftRelu2 needs.
    public static func relu2(_ catalog: DeviceCatalog) -> CellKind {
        var b = Builder(catalog)
        // Front end u: a degenerated nfet pair with gates a<u>1 / a<u>2 (one at the node, one at vcm); device 1
        // drains into the load a1, device 2 into a2, so I(a1) − I(a2) = G_s·(V_as1 − V_as2) + G_d·(V_ad1 − V_ad2).
        for u in ["S", "D"] {
            let l = u.lowercased(), s1 = "s\(l)1", s2 = "s\(l)2", bias = "b\(l)"
            b.n("M\(u)1", d: "a1", g: "a\(l)1", s: s1, .input, "front end \(u): input device, drain to load a1")
            b.n("M\(u)2", d: "a2", g: "a\(l)2", s: s2, .input, "front end \(u): input device, drain to load a2")
            b.n("T\(u)1", d: s1, g: bias, s: "vss", .tail, "front end \(u): tail current I_F")
            b.n("T\(u)2", d: s2, g: bias, s: "vss", .tail, "front end \(u): tail current I_F")
            b.n("B\(u)", d: bias, g: bias, s: "vss", .diode, "front end \(u): tail bias diode")
            b.r("R\(u)", .n, a: s1, b: s2, gate: "vdd", "front end \(u): degeneration, G = 2/(R + 2/gm) sets the weight")
            b.bias("if\(l)", net: bias, .fromVDD, "front end \(u) tail current I_F")
        }
        b.pDiode("A1", input: "a1", "load a1: sum of the device-1 currents")
        b.pDiode("A2", input: "a2", "load a2: sum of the device-2 currents")
        b.pCopy("X1", gate: "a1", out: "x", "copy of I(a1) into the rectifier node x")
        b.pCopy("Y2", gate: "a2", out: "b2", "copy of I(a2) into the nfet diode b2")
        b.nDiode("B2", input: "b2", "I(a2) as an nfet mirror input")
        b.nCopy("X2", gate: "b2", out: "x", "sinks I(a2) from x: x receives I(a1) − I(a2) = β_c·(w_s·vs + w_d·vd)")
        b.nCopy("OFN", gate: "bo", out: "x", "offset sink β_c·|b| (b < 0)")
        b.n("BO", d: "bo", g: "bo", s: "vss", .diode, "offset sink bias diode")
        b.bias("ioffn", net: "bo", .fromVDD, "offset current β_c·|b| (b < 0)")
        b.pCopy("OFP", gate: "bpo", out: "x", "offset source β_c·b (b > 0)")
        b.p("BPO", d: "bpo", g: "bpo", s: "vdd", .diode, "offset source bias diode")
        b.bias("ioffp", net: "bpo", .toVSS, "offset current β_c·b (b > 0)")
        // The rectifier is a two-level diode, so x sits two gate-source drops above vss even at picoamperes:
        // the cascoded sinks at x (X2, OFN) stay saturated, and their currents do not follow x across the knee.
        b.nStackDiode("DX", input: "x", "rectifier: takes relu(I(a1) − I(a2) + β_c·b)")
        b.nStackCopy("NS", of: "DX", top: "x", out: "osnk", "sinks r times the rectified current from osnk (r = NS:DX: fingers, divided by series units)")
        b.nStackCopy("NP", of: "DX", top: "x", out: "bp", "r times the rectified current into the pfet diode bp")
        b.pDiode("PB", input: "bp", "edge current as a pfet mirror input")
        b.pCopy("PS", gate: "bp", out: "osrc", "sources the edge current into osrc")
        // The negative branch (leaky relu, conductance): node y takes the opposite argument, rectifies it and
        // drives the output the other way at λ·r.
        b.pCopy("Y1", gate: "a1", out: "b1", "negative branch: copy of I(a1) into the nfet diode b1")
        b.nDiode("B1", input: "b1", "negative branch: I(a1) as an nfet mirror input")
        b.pCopy("XN2", gate: "a2", out: "y", "negative branch: copy of I(a2) into node y")
        b.nCopy("XN1", gate: "b1", out: "y", "negative branch: sinks I(a1) from y: y receives −β_c·(w_s·vs + w_d·vd)")
        b.nCopy("OFNY", gate: "boy", out: "y", "negative branch: offset sink β_c·b (b > 0)")
        b.n("BOY", d: "boy", g: "boy", s: "vss", .diode, "negative branch: offset sink bias diode")
        b.bias("ioffyn", net: "boy", .fromVDD, "negative branch: offset current β_c·b (b > 0)")
        b.pCopy("OFPY", gate: "bpoy", out: "y", "negative branch: offset source β_c·|b| (b < 0)")
        b.p("BPOY", d: "bpoy", g: "bpoy", s: "vdd", .diode, "negative branch: offset source bias diode")
        b.bias("ioffyp", net: "bpoy", .toVSS, "negative branch: offset current β_c·|b| (b < 0)")
        b.nStackDiode("DY", input: "y", "negative branch rectifier: takes relu(−(I(a1) − I(a2) + β_c·b))")
        b.nStackCopy("NSY", of: "DY", top: "y", out: "osrc", "negative branch: sinks λ·r times the rectified current from osrc")
        b.nStackCopy("NPY", of: "DY", top: "y", out: "bpy", "negative branch: λ·r times the rectified current into the pfet diode bpy")
        b.pDiode("PBY", input: "bpy", "negative branch: edge current as a pfet mirror input")
        b.pCopy("PSY", gate: "bpy", out: "osnk", "negative branch: sources the edge current into osnk")
        return CellKind(
            name: "relu2", template: "relu2.sp",
            summary: """
            Two degenerated nfet front ends, one per input (gates at the node and at vcm, swapped for a negative \
            weight), sum their differential currents into the cascoded pfet diode loads a1 and a2; node x \
            receives I(a1), sinks I(a2) and the offset current β_c·b, and a two-level nfet diode at x passes only \
            the positive part (the relu) while holding x high enough for the cascoded sinks there. Copies ratioed r = NS:DX (wider copies multiply, longer stacks of one-finger units divide) sink the edge current from osnk and \
            source it into osrc: osnk = src and osrc = des for a positive output sign, swapped for a negative one. \
            The internal scale β_c = β·A/r keeps each front end's transconductance inside the resistor range. \
            For a leaky relu (λ = 0.01) or a conductance (λ = 1) a second rectifier node y takes the opposite \
            argument and drives λ times its current the other way (sink from osrc, source into osnk).
            """,
            cellPorts: ["as1", "as2", "ad1", "ad2", "osnk", "osrc"],
            globalPorts: ["vdd", "vss", "vbnc", "vbpc"],
            slots: b.slots, biases: b.biases,
            designValues: ["G_s (S)", "G_d (S)", "beta_c (A/unit)", "output ratio r", "I_o (A)", "negative ratio λ·r", "slope gain", "knee shift"])
    }

    /// Builds slot lists.
    struct Builder {
        let catalog: DeviceCatalog
        var slots: [DeviceSlot] = []
        var biases: [BiasSlot] = []

        init(_ catalog: DeviceCatalog) { self.catalog = catalog }

        mutating func n(_ name: String, d: String, g: String, s: String, _ role: DeviceSlot.Role, _ purpose: String,
                        stacks: Bool = false) {
            let c = catalog.geometry(.n, role)
            slots.append(DeviceSlot(name: name, polarity: .n, drain: d, gate: g, source: s, bulk: "vss", role: role,
                                    lengthUm: c.lengthUm, fingerWidthUm: c.fingerWidthUm, purpose: purpose, stacks: stacks))
        }

        mutating func p(_ name: String, d: String, g: String, s: String, _ role: DeviceSlot.Role, _ purpose: String) {
            let c = catalog.geometry(.p, role)
            slots.append(DeviceSlot(name: name, polarity: .p, drain: d, gate: g, source: s, bulk: "vdd", role: role,
                                    lengthUm: c.lengthUm, fingerWidthUm: c.fingerWidthUm, purpose: purpose))
        }

        /// A triode resistor between `a` and `b` (a series stack: drain a, source b).
        mutating func r(_ name: String, _ polarity: Polarity, a: String, b: String, gate: String, _ purpose: String) {
            let c = catalog.geometry(polarity, .resistor)
            slots.append(DeviceSlot(name: name, polarity: polarity, drain: a, gate: gate, source: b,
                                    bulk: polarity == .n ? "vss" : "vdd", role: .resistor,
                                    lengthUm: c.lengthUm, fingerWidthUm: c.fingerWidthUm, purpose: purpose))
        }

        mutating func bias(_ name: String, net: String, _ direction: BiasSlot.Direction, _ purpose: String) {
            biases.append(BiasSlot(name: name, net: net, direction: direction, purpose: purpose))
        }

        /// Low-voltage cascode pfet diode: `input` is the cascode's drain and the mirror gate.
        mutating func pDiode(_ name: String, input: String, _ purpose: String) {
            let mid = "\(name.lowercased())m"
            p(name, d: mid, g: input, s: "vdd", .diode, purpose)
            p(name + "C", d: input, g: "vbpc", s: mid, .cascode, purpose + " (cascode)")
        }

        mutating func pCopy(_ name: String, gate: String, out: String, _ purpose: String) {
            let mid = "\(name.lowercased())m"
            p(name, d: mid, g: gate, s: "vdd", .mirror, purpose)
            p(name + "C", d: out, g: "vbpc", s: mid, .cascode, purpose + " (cascode)")
        }

        mutating func nDiode(_ name: String, input: String, _ purpose: String) {
            let mid = "\(name.lowercased())m"
            n(name, d: mid, g: input, s: "vss", .diode, purpose)
            n(name + "C", d: input, g: "vbnc", s: mid, .cascode, purpose + " (cascode)")
        }

        mutating func nCopy(_ name: String, gate: String, out: String, _ purpose: String) {
            let mid = "\(name.lowercased())m"
            n(name, d: mid, g: gate, s: "vss", .mirror, purpose)
            n(name + "C", d: out, g: "vbnc", s: mid, .cascode, purpose + " (cascode)")
        }

        /// Two-level nfet diode: the bottom device is a diode at the mid node, the top one (the `C` slot) a diode
        /// at `input`, so `input` sits at two gate-source drops (a rectifier whose node must stay high at tiny
        /// currents).
        mutating func nStackDiode(_ name: String, input: String, _ purpose: String) {
            let mid = "\(name.lowercased())m"
            n(name, d: mid, g: mid, s: "vss", .diode, purpose + " (lower diode)")
            n(name + "C", d: input, g: input, s: mid, .cascode, purpose + " (upper diode)")
        }

        /// A copy of a two-level diode: the bottom device's gate at the diode's mid node, the top one's at `top`.
        /// The bottom device may be a series stack, so that a dividing copy is made longer instead of the diode
        /// wider; the cascode stays one device (it sets no current, and sits a little higher for it).
        mutating func nStackCopy(_ name: String, of diode: String, top: String, out: String, _ purpose: String) {
            let mid = "\(name.lowercased())m"
            n(name, d: mid, g: "\(diode.lowercased())m", s: "vss", .mirror, purpose, stacks: true)
            n(name + "C", d: out, g: top, s: mid, .cascode, purpose + " (cascode)")
        }

        /// The floating output stage of the tanh cell: I1 (drain dl) into des and out of src, I2 (dr) the reverse.
        mutating func outputStage() {
            pDiode("PL", input: "dl", "output: I1 as a pfet mirror input")
            pDiode("PR", input: "dr", "output: I2 as a pfet mirror input")
            pCopy("PLO", gate: "dl", out: "des", "output: sources I1 into des")
            pCopy("PLN", gate: "dl", out: "nl", "output: I1 into the nfet diode nl")
            pCopy("PRO", gate: "dr", out: "src", "output: sources I2 into src")
            pCopy("PRN", gate: "dr", out: "nr", "output: I2 into the nfet diode nr")
            nDiode("NL", input: "nl", "output: I1 as an nfet mirror input")
            nDiode("NR", input: "nr", "output: I2 as an nfet mirror input")
            nCopy("NLO", gate: "nl", out: "src", "output: sinks I1 from src")
            nCopy("NRO", gate: "nr", out: "des", "output: sinks I2 from des")
        }
    }
}
