import Foundation
import KNMap
import KNProcess

/// The cell subcircuits of a transistor netlist: cells of one kind whose device slots have the same fingers
/// and series units, and the same set of nonzero bias slots, share one subcircuit; the bias currents are
/// subcircuit parameters that each instance sets. Each holds what its ``OperatingPointStart`` needs: a
/// `.nodeset` line, or the pull sources of a settle phase.
struct TransistorSubcircuits {
    private struct Key: Hashable {
        var kind: String
        var fingers: [Int]
        var series: [Int]
        var biases: [Bool]
    }

    private var names: [Key: String] = [:]
    private var writers: [String: SpiceCellWriter] = [:]
    /// The `.subckt … .ends` lines, in order of first use.
    private(set) var definitions: [[String]] = []

    var count: Int { definitions.count }

    init(_ circuit: MappedCircuit, process: ProcessDescription, prebinned: PrebinnedModels?, start: OperatingPointStart?,
         schedule: TransistorSchedule) throws {
        for kind in circuit.cellKinds { writers[kind.name] = SpiceCellWriter(process: process, kind: kind, prebinned: prebinned) }
        for layer in circuit.layers {
            guard let writer = writers[layer.cells.kind] else {
                throw EmitError.invalid("circuit.layers[\(layer.index)].cells.kind", "is \(layer.cells.kind), which circuit.cellKinds does not describe; re-map the network")
            }
            for c in 0..<layer.cells.count {
                let cell = layer.cells.cell(c)
                let key = Self.key(cell, kind: writer.kind)
                guard names[key] == nil else { continue }
                let name = "kn_\(writer.kind.name)_\(definitions.count)"
                names[key] = name
                var lines = try writer.subcircuit(name: name, cell: cell, biasParameters: true)
                // The nets a nodeset or a pull names depend only on the slots and biases in use, which the key holds.
                switch start {
                case nil, .cold?: break
                case let .nodesets(typical)?:
                    if let line = typical.line(for: cell, kind: writer.kind) { lines.insert(line, at: lines.count - 1) }
                case let .settle(typical, phase)?:
                    let pulls = typical.pullLines(for: cell, kind: writer.kind, conductance: phase.conductance,
                                                  fadeEnd: phase.fade * schedule.settle)
                    lines.insert(contentsOf: pulls, at: lines.count - 1)
                }
                definitions.append(lines)
            }
        }
    }

    /// The subcircuit name of `cell` and the writer that names its bias parameters.
    func subcircuit(of cell: Cell, kind: CellKind) -> (String, SpiceCellWriter) {
        (names[Self.key(cell, kind: kind)]!, writers[kind.name]!)
    }

    private static func key(_ cell: Cell, kind: CellKind) -> Key {
        // Series units matter only where fingers are present and the slot is a stack (a resistor, a dividing copy).
        let series = kind.slots.indices.map { cell.fingers[$0] > 0 ? kind.units($0, series: cell.series[$0]) : 1 }
        return Key(kind: kind.name, fingers: cell.fingers, series: series, biases: cell.bias.map { $0 > 0 })
    }
}
