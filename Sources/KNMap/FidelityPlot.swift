import Foundation

/// The I–V plot of a fidelity report: one panel per measured edge (the worst first), with the target current
/// as a line and the ngspice current as dots, against the cell's argument `w0·vs + w1·vd + w2` (model units).
public struct FidelityPlot: Sendable {
    public var edges: [EdgeFidelity]
    public var law: @Sendable (Double, Double, Double) -> CellLaw
    /// Panels drawn (worst NRMSE first; inactive edges last).
    public var panels: Int = 12
    public var title: String

    public init(edges: [EdgeFidelity], law: @escaping @Sendable (Double, Double, Double) -> CellLaw, title: String) {
        self.edges = edges
        self.law = law
        self.title = title
    }

    /// The SVG document.
    public func svg() -> String {
        let shown = edges.sorted { ($0.nrmse ?? -1) > ($1.nrmse ?? -1) }.prefix(panels)
        let columns = 4, width = 260.0, height = 200.0, top = 40.0
        let rows = (shown.count + columns - 1) / columns
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Double(columns) * width)" height="\(top + Double(max(rows, 1)) * height)" \
        font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="20" font-size="14">\(escape(title))</text>
        <text x="10" y="34" fill="#555">line: target current; dots: ngspice on the foundry models (model units) against the cell argument</text>

        """
        for (k, edge) in shown.enumerated() {
            let ox = Double(k % columns) * width + 45, oy = top + Double(k / columns) * height + 20
            let pw = width - 60, ph = height - 60
            let f = law(edge.p0, edge.p1, edge.p2)
            let points = zip(zip(edge.vs, edge.vd), zip(edge.target, edge.simulated))
                .map { (x: f.argument(vs: $0.0.0, vd: $0.0.1), target: $0.1.0, simulated: $0.1.1) }
                .sorted { $0.x < $1.x }
            guard let xMin = points.map(\.x).min(), let xMax = points.map(\.x).max() else { continue }
            let ys = points.flatMap { [$0.target, $0.simulated] }
            let yMin = ys.min() ?? 0, yMax = ys.max() ?? 1
            let xs = xMax > xMin ? xMax - xMin : 1, yr = yMax > yMin ? yMax - yMin : 1
            func px(_ x: Double) -> Double { ox + (x - xMin) / xs * pw }
            func py(_ y: Double) -> Double { oy + ph - (y - yMin) / yr * ph }
            out += "<rect x=\"\(ox)\" y=\"\(oy)\" width=\"\(pw)\" height=\"\(ph)\" fill=\"none\" stroke=\"#999\"/>\n"
            let label = "layer \(edge.layer) edge \(edge.edge): NRMSE " + (edge.nrmse.map { String(format: "%.2f %%", 100 * $0) } ?? "n/a (off)")
            out += "<text x=\"\(ox)\" y=\"\(oy - 5)\">\(escape(label))</text>\n"
            out += "<text x=\"\(ox - 40)\" y=\"\(oy + 10)\" fill=\"#555\">\(format(yMax))</text>\n"
            out += "<text x=\"\(ox - 40)\" y=\"\(oy + ph)\" fill=\"#555\">\(format(yMin))</text>\n"
            out += "<text x=\"\(ox)\" y=\"\(oy + ph + 14)\" fill=\"#555\">\(format(xMin))</text>\n"
            out += "<text x=\"\(ox + pw - 40)\" y=\"\(oy + ph + 14)\" fill=\"#555\">\(format(xMax))</text>\n"
            let line = points.map { "\(String(format: "%.2f", px($0.x))),\(String(format: "%.2f", py($0.target)))" }.joined(separator: " ")
            out += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/>\n"
            for p in points {
                out += "<circle cx=\"\(String(format: "%.2f", px(p.x)))\" cy=\"\(String(format: "%.2f", py(p.simulated)))\" r=\"2.5\" fill=\"#d62728\"/>\n"
            }
        }
        return out + "</svg>\n"
    }

    private func format(_ x: Double) -> String { String(format: "%.3g", x) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
