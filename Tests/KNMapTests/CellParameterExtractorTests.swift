import Foundation
import Testing
import KNProcess
import KNSimulate
@testable import KNMap

/// The extractor of a cell copy's effective parameters, on currents built from known laws (no simulator): it must
/// return the deviations the currents were built with, and nothing for the nominal copy.
@Suite("Cell parameter extraction")
struct CellParameterExtractorTests {
    /// A tanh law like a calibrated twomoon cell's: unequal outputs, small leakage, a cubic argument term.
    let nominal = CommonEdgeLaw(activation: .tanh, ws: 0.8, wd: -1.3, b: 0.25, As: 1.01, Ad: 0.99, cs: 1e-3, cd: -2e-3, wd3: 0.002)
    var vs: [Double] { (0..<24).map { -3 + 6 * Double($0) / 23 } }
    var vd: [Double] { vs.map { 0.5 - 0.4 * $0 } }

    /// The currents of a copy with offset o, gain g, src amplitude aS and des amplitude aD.
    func copy(o: Double, g: Double, aS: Double, aD: Double) -> (src: [Double], des: [Double]) {
        let z = zip(vs, vd).map { nominal.b + o + (1 + g) * (nominal.argument(vs: $0, vd: $1) - nominal.b) }
        return (z.map { nominal.As * (1 + aS) * Foundation.tanh($0) + nominal.cs },
                z.map { nominal.Ad * (1 + aD) * Foundation.tanh($0) + nominal.cd })
    }

    @Test func recoversTheDeviationsACopyWasBuiltWith() {
        let extractor = CellParameterExtractor(nominal: nominal)
        let cases: [(Double, Double, Double, Double)] = [(0.02, -0.01, 0.015, -0.005), (-0.05, 0.03, -0.02, 0.01), (0, 0, 0, 0.004)]
        for (o, g, aS, aD) in cases {
            let c = copy(o: o, g: g, aS: aS, aD: aD)
            let d = extractor.extract(vs: vs, vd: vd, src: c.src, des: c.des)
            #expect(abs(d.offset - o) < 1e-9 && abs(d.gain - g) < 1e-9 && abs(d.amplitude - aS) < 1e-9)
            #expect(abs(d.copy - ((1 + aD) / (1 + aS) - 1)) < 1e-9, "copy \(d.copy) for aS \(aS), aD \(aD)")
        }
    }

    @Test func separatesOffsetFromAmplitudeOnAnUnsaturatedSweep() {
        // Only the slope of tanh is visible (|z| < 0.6): amplitude and gain trade off, offset must stay exact.
        let narrow = CellParameterExtractor(nominal: CommonEdgeLaw(activation: .tanh, ws: 0.1, wd: -0.1, b: 0, As: 1, Ad: 1))
        let z = vs.map { 0.1 * $0 + 0.01 }
        let src = z.map { 1.02 * Foundation.tanh($0) }
        let d = narrow.extract(vs: vs, vd: vs.map { _ in 0 }, src: src, des: src)
        #expect(abs(d.offset - 0.01) < 2e-3 && abs(d.copy) < 1e-9)
    }

    @Test func fitsTheNominalLawFromMeasuredCurrentsAndThenReadsZero() {
        let c = copy(o: 0, g: 0, aS: 0, aD: 0)
        let ideal = CommonEdgeLaw(activation: .tanh, ws: 0.8, wd: -1.3, b: 0.25, As: 1, Ad: 1)
        let extractor = CellParameterExtractor(vs: vs, vd: vd, src: c.src, des: c.des, ideal: ideal)
        let d = extractor.extract(vs: vs, vd: vd, src: c.src, des: c.des)
        #expect(d.values.allSatisfy { abs($0) < 1e-5 }, "\(d)")
        // A copy with an offset reads that offset against the fitted law.
        let shifted = copy(o: 0.03, g: 0, aS: 0, aD: 0)
        #expect(abs(extractor.extract(vs: vs, vd: vd, src: shifted.src, des: shifted.des).offset - 0.03) < 1e-4)
    }
}
