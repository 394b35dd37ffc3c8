import Foundation
import KNModel
import KNSimulate

/// What each mapped cell does beyond its edge's ideal law, in a form that stays fixed while the edge's
/// parameters train: the retrainer and the fixed-step integrator apply it on top of any parameters, so that a
/// network can be trained against the circuit's characterized cells (`kn-map retrain --characterized`).
///
/// From a ``KNSimulate/CharacterizedEdges`` file and the network it was measured for, every fitted edge's
/// ``KNSimulate/CommonEdgeLaw`` is split into the ideal law of its parameters and the cell's errors:
///
/// - weight and amplitude errors as ratios: `w_s = r_ws·w_s,ideal` (likewise `w_d`, `A_s`, `A_d`). Where the ideal
///   value is zero, or the ratio would be outside [0.5, 2], the error is kept as a difference instead
///   (`w_s = w_s,ideal + a_ws`), so that a tiny ideal weight cannot turn into a huge ratio;
/// - the argument offset as a difference: `b = b_ideal + δb`;
/// - the transconductors' compression relative to their weight: `w_s2 = k_s2·w_s`, `w_s3 = k_s3·w_s` (and for
///   `des`), so the argument is `w_s·(vs + k_s2·vs² + k_s3·vs³) + w_d·(vd + k_d2·vd² + k_d3·vd³) + b`;
/// - the output offsets `c_s`, `c_d` and the rectifier's knee as they are.
///
/// At the parameters the cells were mapped from, the result is exactly the characterized law. At other
/// parameters it is what the same cells, mapped again, would do if their errors stay as measured: the
/// assumption a remap checks (map the retrained network and characterize it again).
public struct CellLawErrors: Sendable, Hashable {
    /// One layer's errors, one entry per edge (edges without a fitted law: ratio 1, every difference 0).
    public struct Layer: Sendable, Hashable {
        public var ratioWs: [Double], ratioWd: [Double], ratioAs: [Double], ratioAd: [Double]
        public var addWs: [Double], addWd: [Double], addAs: [Double], addAd: [Double]
        public var offset: [Double]
        public var ks2: [Double], ks3: [Double], kd2: [Double], kd3: [Double]
        public var cs: [Double], cd: [Double], knee: [Double]

        init(edgeCount e: Int) {
            let one = [Double](repeating: 1, count: e), zero = [Double](repeating: 0, count: e)
            ratioWs = one; ratioWd = one; ratioAs = one; ratioAd = one
            addWs = zero; addWd = zero; addAs = zero; addAd = zero
            offset = zero; ks2 = zero; ks3 = zero; kd2 = zero; kd3 = zero; cs = zero; cd = zero; knee = zero
        }

        public var edgeCount: Int { offset.count }

        /// Whether any edge's argument or output has terms the affine law lacks.
        var hasNonAffineTerms: Bool {
            [ks2, ks3, kd2, kd3, cs, cd, knee].contains { $0.contains { $0 != 0 } }
        }
    }

    public var layers: [Layer]
    /// Edges whose fitted law was split into errors (the rest keep the ideal law).
    public private(set) var fittedEdges: Int

    /// Splits every fitted law of `characterized` into the ideal law of `network` and the cell's errors.
    ///
    /// - Throws: ``VaryError`` when the file does not belong to `network` (digest, layers, terminals), or a law's
    ///   activation is not the family's, or a law has compression terms on an input whose weight is zero.
    public init(characterized: CharacterizedEdges, network: Network, file: String = "characterized edges") throws(VaryError) {
        do { try characterized.check(against: network, file: file) } catch {
            throw .invalid("training against the characterized cells", error.description)
        }
        let activation = AffineLayer.activation(of: network.family)
        var fitted = 0
        layers = []
        for (l, layer) in network.layers.enumerated() {
            var errors = Layer(edgeCount: layer.edgeCount)
            for edge in characterized.layers[l].edges where edge.status == .fitted {
                let k = edge.edge, law = edge.law
                let place = "\(file): layers[\(l)] edge \(k)"
                guard law.activation == activation else {
                    throw .invalid(place, "the law's activation is \(law.activation.rawValue), the family's \(activation.rawValue); characterize the cells of this model again")
                }
                let p = layer.edgeParameters(k)
                let ideal = CommonEdgeLaw.ideal(family: network.family, p0: p.p0, p1: p.p1, p2: p.p2)
                (errors.ratioWs[k], errors.addWs[k]) = Self.split(law.ws, ideal: ideal.ws)
                (errors.ratioWd[k], errors.addWd[k]) = Self.split(law.wd, ideal: ideal.wd)
                (errors.ratioAs[k], errors.addAs[k]) = Self.split(law.As, ideal: ideal.As)
                (errors.ratioAd[k], errors.addAd[k]) = Self.split(law.Ad, ideal: ideal.Ad)
                errors.offset[k] = law.b - ideal.b
                for (w, w2, w3, input) in [(law.ws, law.ws2, law.ws3, "src"), (law.wd, law.wd2, law.wd3, "des")]
                    where w == 0 && (w2 != 0 || w3 != 0) {
                    throw .invalid(place, "the \(input) input has compression terms but no weight, which no parameter change can follow; characterize the cells of this model again")
                }
                if law.ws != 0 { errors.ks2[k] = law.ws2 / law.ws; errors.ks3[k] = law.ws3 / law.ws }
                if law.wd != 0 { errors.kd2[k] = law.wd2 / law.wd; errors.kd3[k] = law.wd3 / law.wd }
                errors.cs[k] = law.cs
                errors.cd[k] = law.cd
                errors.knee[k] = law.knee
                fitted += 1
            }
            layers.append(errors)
        }
        fittedEdges = fitted
    }

    /// A measured value as `ratio·ideal + difference`: a ratio where it is within [0.5, 2], else a difference.
    static func split(_ measured: Double, ideal: Double) -> (ratio: Double, difference: Double) {
        guard ideal != 0 else { return (1, measured) }
        let r = measured / ideal
        return r >= 0.5 && r <= 2 ? (r, 0) : (1, measured - ideal)
    }

    /// Checks that the errors fit `network` (layer and edge counts).
    func check(against network: Network) throws(SimulationError) {
        guard layers.count == network.layers.count,
              zip(layers, network.layers).allSatisfy({ $0.edgeCount == $1.edgeCount }) else {
            throw .invalidOption("cellErrors", "were split for a network of \(layers.map(\.edgeCount)) edges per layer, this one has \(network.layers.map(\.edgeCount)); split the characterized laws against this network's layers")
        }
    }
}
