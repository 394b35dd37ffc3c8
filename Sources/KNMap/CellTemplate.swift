import Foundation
import KNProcess

/// The SPICE template of a cell kind: `templates/cells/<kind>.sp`.
///
/// The template is the kind's topology in SPICE form with named placeholders for everything the mapper
/// chooses per cell: `{{NAME.w}}`, `{{NAME.l}}`, `{{NAME.nf}}` per device slot (`{{NAME.series}}` for
/// stacks: resistors and dividing copies, whose units the writer chains), `{{bias.NAME}}` per bias reference, and `{{nfet}}` /
/// `{{pfet}}` for the process's device names. ``render(_:)`` produces it from the ``CellKind``, and
/// `CellTemplateTests` checks that the files in the repository are exactly that rendering, so the
/// documented template and the cells the mapper builds cannot drift apart.
public enum CellTemplate {
    public static func render(_ kind: CellKind) -> String {
        var lines: [String] = []
        lines.append("* kn-toolkit cell template: \(kind.name)")
        lines.append("*")
        for line in wrap(kind.summary, width: 100) { lines.append("* \(line)") }
        lines.append("*")
        lines.append("* Ports: \(kind.cellPorts.joined(separator: " ")) (bound per cell to src, des or vcm), "
                     + "\(kind.globalPorts.joined(separator: " ")) (global).")
        lines.append("* Placeholders: {{NAME.w}} {{NAME.l}} {{NAME.nf}} per device (w = nf x finger width, nf parallel")
        lines.append("* fingers; the PDK multiplier is never used), {{NAME.series}} units for stacks, {{bias.NAME}}")
        lines.append("* amperes per bias reference, {{nfet}}/{{pfet}} the process's device names. A device with nf = 0 is")
        lines.append("* absent in that cell. Design values per cell: \(kind.designValues.joined(separator: ", ")).")
        lines.append("*")
        lines.append("* Devices (role: purpose):")
        for slot in kind.slots {
            lines.append("*   \(slot.name) \(slot.polarity == .n ? "nfet" : "pfet") \(slot.role.rawValue): \(slot.purpose)")
        }
        lines.append("* Bias references (ideal current sources):")
        for bias in kind.biases {
            lines.append("*   \(bias.name) \(bias.direction == .fromVDD ? "vdd -> \(bias.net)" : "\(bias.net) -> vss"): \(bias.purpose)")
        }
        lines.append("")
        lines.append(".subckt kn_\(kind.name) \((kind.cellPorts + kind.globalPorts).joined(separator: " "))")
        for slot in kind.slots {
            let model = slot.polarity == .n ? "{{nfet}}" : "{{pfet}}"
            let name = slot.name
            let extra = slot.stacks ? " series={{\(name).series}}" : ""
            lines.append("X\(name) \(slot.drain) \(slot.gate) \(slot.source) \(slot.bulk) \(model) "
                         + "w={{\(name).w}} l={{\(name).l}} nf={{\(name).nf}}\(extra)")
        }
        for bias in kind.biases {
            switch bias.direction {
            case .fromVDD: lines.append("I\(bias.name) vdd \(bias.net) dc {{bias.\(bias.name)}}")
            case .toVSS: lines.append("I\(bias.name) \(bias.net) vss dc {{bias.\(bias.name)}}")
            }
        }
        lines.append(".ends kn_\(kind.name)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if current.count + word.count + 1 > width, !current.isEmpty { lines.append(current); current = "" }
            current += current.isEmpty ? String(word) : " " + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
