import Testing
import KNProcess
import KNSimulate
@testable import KNMap

@Suite struct CellSensitivitiesTests {
    /// A cell whose argument barely moves (|ws| below the limit), with a device whose extraction split a constant
    /// current shift into large, opposite amplitude and copy terms, as a tanh cell of a left-out input shows.
    static func cell(ws: Double) -> CellSensitivities {
        let law = CommonEdgeLaw(activation: .tanh, ws: ws, wd: -0.04, b: 0.02, As: 1, Ad: 1)
        let split = EffectiveDeviation(offset: 0.3, gain: 2.0, amplitude: 4.0, copy: -7.0)
        let slot = SlotSensitivity(slot: "NL", polarity: .n, fingers: 1, series: 1, fingerWidthUm: 1, lengthUm: 2,
                                   perVolt: split, perRelativeBeta: EffectiveDeviation(offset: 0, gain: 0, amplitude: 0.5, copy: 0.1),
                                   operatingSigmaVT: [2e-3])
        return CellSensitivities(layer: 0, edge: 3, kind: "tanh2", nominal: law,
                                 baseline: EffectiveDeviation(offset: 0, gain: 0, amplitude: 0, copy: 0), slots: [slot])
    }

    /// The used side's current shift per device is kept exactly; it is carried by the offset (and a little
    /// amplitude), never by hundreds of per cent of amplitude or copy.
    @Test func groundEdgeWithConstantArgumentShiftsItsOneCurrent() {
        let c = Self.cell(ws: 1e-4)
        let (value, slope) = c.nominal.activate(c.nominal.b)
        let d = c.slots[0].perVolt
        for (src, des, wanted) in [(1, 0, slope * d.offset + value * d.amplitude), (0, 1, slope * d.offset + value * (d.amplitude + d.copy))] {
            // src = 0: the used input is des, whose weight is wd = −0.04, so a des-fed edge needs a small wd too.
            var cell = c
            if src == 0 { cell.nominal.wd = 1e-4 }
            let seen = cell.seen(src: src, des: des).slots[0].perVolt
            #expect(abs(slope * seen.offset + value * seen.amplitude - wanted) < 1e-12)
            #expect(seen.gain == 0 && seen.copy == 0 && abs(seen.amplitude) < abs(seen.offset))
        }
    }

    /// An edge between two nodes, or a ground edge whose one input moves the argument, is left as measured.
    @Test func otherEdgesAreUnchanged() {
        #expect(Self.cell(ws: 1e-4).seen(src: 1, des: 2) == Self.cell(ws: 1e-4))
        #expect(Self.cell(ws: 0.3).seen(src: 1, des: 0) == Self.cell(ws: 0.3))
        #expect(Self.cell(ws: 1e-4).seen(src: 0, des: 1) == Self.cell(ws: 1e-4), "des is fed through wd = −0.04, which moves")
    }
}
