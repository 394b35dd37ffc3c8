import Foundation

/// Small self-contained SVG charts for Monte Carlo reports: a histogram, a 2-D scatter and a yield curve.
public enum SVGPlot {
    static let width = 640.0, height = 420.0, left = 70.0, right = 20.0, top = 40.0, bottom = 55.0

    private static func frame(_ title: String, _ xLabel: String, _ yLabel: String, x: ClosedRange<Double>,
                              y: ClosedRange<Double>, body: (_ px: (Double) -> Double, _ py: (Double) -> Double) -> String) -> String {
        let w = width - left - right, h = height - top - bottom
        let xs = x.upperBound > x.lowerBound ? x : (x.lowerBound - 1)...(x.upperBound + 1)
        let ys = y.upperBound > y.lowerBound ? y : (y.lowerBound - 1)...(y.upperBound + 1)
        func px(_ v: Double) -> Double { left + (v - xs.lowerBound) / (xs.upperBound - xs.lowerBound) * w }
        func py(_ v: Double) -> Double { top + h - (v - ys.lowerBound) / (ys.upperBound - ys.lowerBound) * h }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="22" text-anchor="middle" font-size="14">\(escape(title))</text>
        <rect x="\(left)" y="\(top)" width="\(w)" height="\(h)" fill="none" stroke="black"/>

        """
        for k in 0...4 {
            let fx = xs.lowerBound + Double(k) / 4 * (xs.upperBound - xs.lowerBound)
            let fy = ys.lowerBound + Double(k) / 4 * (ys.upperBound - ys.lowerBound)
            s += "<text x=\"\(fmt(px(fx)))\" y=\"\(fmt(top + h + 18))\" text-anchor=\"middle\">\(tick(fx))</text>\n"
            s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(py(fy) + 4))\" text-anchor=\"end\">\(tick(fy))</text>\n"
        }
        s += "<text x=\"\(left + w / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(top + h / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(top + h / 2))\">\(escape(yLabel))</text>\n"
        s += body(px, py)
        s += "</svg>\n"
        return s
    }

    /// A histogram of `values` with `bins` equal bins.
    public static func histogram(_ values: [Double], bins: Int = 30, title: String, xLabel: String) -> String {
        guard let lo = values.min(), let hi = values.max() else { return frame(title, xLabel, "samples", x: 0...1, y: 0...1) { _, _ in "" } }
        let span = hi > lo ? hi - lo : 1
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int((v - lo) / span * Double(bins)))] += 1 }
        let top = Double(counts.max() ?? 1)
        return frame(title, xLabel, "samples", x: lo...(lo + span), y: 0...top) { px, py in
            var s = ""
            for (k, c) in counts.enumerated() where c > 0 {
                let x0 = px(lo + Double(k) / Double(bins) * span), x1 = px(lo + Double(k + 1) / Double(bins) * span)
                s += "<rect x=\"\(fmt(x0))\" y=\"\(fmt(py(Double(c))))\" width=\"\(fmt(max(x1 - x0 - 1, 0.5)))\" height=\"\(fmt(py(0) - py(Double(c))))\" fill=\"steelblue\"/>\n"
            }
            return s
        }
    }

    /// Point sets in 2-D, one colour each.
    public static func scatter(_ sets: [(name: String, points: [[Double]], color: String)], title: String,
                               xLabel: String, yLabel: String) -> String {
        let all = sets.flatMap(\.points).filter { $0.count >= 2 }
        let xs = all.map { $0[0] }, ys = all.map { $0[1] }
        let xr = (xs.min() ?? 0)...(xs.max() ?? 1), yr = (ys.min() ?? 0)...(ys.max() ?? 1)
        return frame(title, xLabel, yLabel, x: xr, y: yr) { px, py in
            var s = ""
            for (k, set) in sets.enumerated() {
                for p in set.points where p.count >= 2 {
                    s += "<circle cx=\"\(fmt(px(p[0])))\" cy=\"\(fmt(py(p[1])))\" r=\"2\" fill=\"\(set.color)\" fill-opacity=\"0.6\"/>\n"
                }
                s += "<text x=\"\(fmt(left + 10))\" y=\"\(fmt(top + 16 + 16 * Double(k)))\" fill=\"\(set.color)\">\(escape(set.name))</text>\n"
            }
            return s
        }
    }

    /// The fraction of samples whose `values` are at most the threshold, over the threshold (a yield curve).
    public static func yieldCurve(_ values: [Double], title: String, xLabel: String, spec: Double?) -> String {
        let s = values.sorted()
        guard let lo = s.first, let hi = s.last else { return frame(title, xLabel, "yield", x: 0...1, y: 0...1) { _, _ in "" } }
        return frame(title, xLabel, "yield", x: lo...hi, y: 0...1) { px, py in
            var path = "M\(fmt(px(lo))),\(fmt(py(0)))"
            for (k, v) in s.enumerated() {
                path += " L\(fmt(px(v))),\(fmt(py(Double(k) / Double(s.count))))"
                path += " L\(fmt(px(v))),\(fmt(py(Double(k + 1) / Double(s.count))))"
            }
            var out = "<path d=\"\(path)\" fill=\"none\" stroke=\"steelblue\" stroke-width=\"2\"/>\n"
            if let spec, spec >= lo, spec <= hi {
                out += "<line x1=\"\(fmt(px(spec)))\" y1=\"\(fmt(py(0)))\" x2=\"\(fmt(px(spec)))\" y2=\"\(fmt(py(1)))\" stroke=\"firebrick\" stroke-dasharray=\"4 3\"/>\n"
            }
            return out
        }
    }

    static func fmt(_ v: Double) -> String { String(format: "%.2f", v) }
    static func tick(_ v: Double) -> String { String(format: abs(v) >= 1000 || (abs(v) < 0.01 && v != 0) ? "%.2e" : "%.3g", v) }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension MonteCarloResult {
    /// The report's SVG charts by file-name suffix: `-error.svg` (histogram of the mean error), `-yield.svg`
    /// (yield against the max-error threshold), `-accuracy.svg` and `-scatter.svg` when they apply.
    public func charts() -> [(suffix: String, svg: String)] {
        var out = [(String, String)]()
        let c = configuration
        out.append(("-error", SVGPlot.histogram(records.map(\.meanError), title: "Mean output error per chip (\(records.count) samples)", xLabel: c.reference == nil ? "mean |y_chip − y_nominal| (model units)" : "mean |y_chip − y_reference| (model units)")))
        let specMax = c.spec.first { $0.metric == .maxError && $0.atMost }?.value
        out.append(("-yield", SVGPlot.yieldCurve(records.map(\.maxError), title: "Yield against the max-error spec", xLabel: "max-error threshold (model units)", spec: specMax)))
        let acc = records.compactMap(\.accuracy)
        if !acc.isEmpty {
            out.append(("-accuracy", SVGPlot.histogram(acc, title: "Accuracy per chip (nominal \(c.nominalAccuracy.map { String(format: "%.4f", $0) } ?? "?"))", xLabel: "accuracy")))
        }
        if let nominal = c.nominalPoints, let chip = c.chipZeroPoints {
            out.append(("-scatter", SVGPlot.scatter([(c.reference == nil ? "nominal circuit" : "reference", nominal, "black"), ("chip 0 (mismatch)", chip, "firebrick")], title: "Generated points", xLabel: "y1", yLabel: "y2")))
        } else if records.contains(where: { $0.energyDistance != nil }) || !acc.isEmpty {
            let pts = records.map { [$0.meanError, $0.accuracy ?? $0.energyDistance ?? 0] }
            out.append(("-scatter", SVGPlot.scatter([("chips", pts, "steelblue")], title: "Per-chip metrics", xLabel: "mean error", yLabel: acc.isEmpty ? "energy distance" : "accuracy")))
        }
        return out
    }
}
