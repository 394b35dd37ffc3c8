import Foundation

/// gm/ID design charts as SVG: current density ID/W, intrinsic gain gm/gds and transit frequency fT
/// against gm/ID, one curve per gate length (the three charts of the gm/ID sizing method).
public struct GmIDChart: Sendable {
    public var process: String
    public var device: String
    public var vds: Double
    public var vsb: Double
    /// (L in µm, operating points along |VGS|) per length.
    public var curves: [(Double, [OperatingPoint])]

    public init(process: String, device: String, vds: Double, vsb: Double, curves: [(Double, [OperatingPoint])]) {
        self.process = process
        self.device = device
        self.vds = vds
        self.vsb = vsb
        self.curves = curves
    }

    struct Panel {
        var title: String
        var logY: Bool
        var value: (OperatingPoint) -> Double
    }

    /// The SVG document.
    public func svg() -> String {
        let panels = [
            Panel(title: "ID/W (A/µm)", logY: true, value: { $0.idPerWidth }),
            Panel(title: "gm/gds (V/V)", logY: true, value: { $0.intrinsicGain }),
            Panel(title: "fT (Hz)", logY: true, value: { $0.transitFrequency }),
        ]
        let w = 360.0, h = 280.0, margin = 56.0
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w * 3))" height="\(Int(h + 60))" font-family="sans-serif" font-size="11">
        <text x="10" y="16" font-size="13">\(process) \(device): |VDS| = \(vds) V, |VSB| = \(vsb) V (x axis: gm/ID, 1/V)</text>

        """
        // Points with a meaningful gm/ID (weak to strong inversion, positive current).
        let usable = curves.map { (l, pts) in (l, pts.filter { $0.id > 0 && $0.gm > 0 && $0.gds > 0 && $0.cgg > 0 && $0.gmOverID > 1 }) }
        let xs = usable.flatMap { $0.1.map(\.gmOverID) }
        let xMin = 0.0, xMax = (xs.max() ?? 30).rounded(.up)
        for (p, panel) in panels.enumerated() {
            let ox = Double(p) * w + margin, oy = 44.0
            let pw = w - margin - 12, ph = h - 50
            let ys = usable.flatMap { $0.1.map(panel.value) }.filter { $0 > 0 && $0.isFinite }
            guard var yMin = ys.min(), var yMax = ys.max() else { continue }
            if panel.logY { yMin = log10(yMin).rounded(.down); yMax = log10(yMax).rounded(.up) }
            if yMax <= yMin { yMax = yMin + 1 }
            func px(_ x: Double) -> Double { ox + (x - xMin) / (xMax - xMin) * pw }
            func py(_ y: Double) -> Double {
                let v = panel.logY ? log10(y) : y
                return oy + ph - (v - yMin) / (yMax - yMin) * ph
            }
            s += "<rect x=\"\(ox)\" y=\"\(oy)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#444\"/>\n"
            s += "<text x=\"\(ox)\" y=\"\(oy - 6)\">\(panel.title)</text>\n"
            for decade in stride(from: yMin, through: yMax, by: 1) where panel.logY {
                let y = oy + ph - (decade - yMin) / (yMax - yMin) * ph
                s += "<line x1=\"\(ox)\" y1=\"\(y)\" x2=\"\(ox + pw)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
                s += "<text x=\"\(ox - 4)\" y=\"\(y + 4)\" text-anchor=\"end\">1e\(Int(decade))</text>\n"
            }
            for tick in stride(from: 0.0, through: xMax, by: 5) {
                s += "<text x=\"\(px(tick))\" y=\"\(oy + ph + 14)\" text-anchor=\"middle\">\(Int(tick))</text>"
            }
            s += "\n"
            for (c, (length, points)) in usable.enumerated() {
                let path = points.map { String(format: "%.2f,%.2f", px($0.gmOverID), py(panel.value($0))) }
                guard path.count > 1 else { continue }
                s += "<polyline fill=\"none\" stroke=\"\(colors[c % colors.count])\" stroke-width=\"1.5\" points=\"\(path.joined(separator: " "))\"/>\n"
                if p == 0 {
                    s += "<text x=\"\(ox + pw - 70)\" y=\"\(oy + 14 + Double(c) * 13)\" fill=\"\(colors[c % colors.count])\">L = \(length) µm</text>\n"
                }
            }
        }
        return s + "</svg>\n"
    }
}
