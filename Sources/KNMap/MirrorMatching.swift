import Foundation
import KNProcess

extension Mapper {
    /// The slots of `kind` that mirror one current into another, grouped by the gate they share: tails, diodes
    /// and mirror outputs on one gate net (and polarity), so that scaling a group's fingers by one factor keeps
    /// its current ratios. Left out: a group with any other device on its gate; one stacked under a cascode that
    /// is not on a global bias (a stacked diode, whose two levels are sized together); and one that sinks from or
    /// sources into a load held to a supply by a resistor slot (the tanh cell's offset sinks and bypass sources:
    /// matched, the offset sinks moved twomoon's fidelity p95 from 2.4 to 4.0 %, growing with |p2|, while their
    /// mismatch adds only σ(ΔI/I)·|p2| to the argument's offset).
    static func mirrorGroups(_ kind: CellKind) -> [[Int]] {
        let mirrored: Set<DeviceSlot.Role> = [.tail, .diode, .mirror]
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, slot) in kind.slots.enumerated() {
            let key = "\(slot.polarity.rawValue) \(slot.gate)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(i)
        }
        func stacked(_ slot: DeviceSlot) -> Bool {
            kind.slots.contains { $0.role == .cascode && ($0.source == slot.drain || $0.drain == slot.source)
                && !kind.globalPorts.contains($0.gate) }
        }
        // Nets held by a resistor slot to a supply (the tanh loads): the small currents that sink from them or
        // source into them stay at their own sizing.
        let supplies: Set<String> = ["vdd", "vss"]
        let loads = Set(kind.slots.filter { $0.role == .resistor }.flatMap { r -> [String] in
            supplies.contains(r.source) ? [r.drain] : supplies.contains(r.drain) ? [r.source] : []
        })
        return order.compactMap { groups[$0] }.filter { members in
            members.allSatisfy { mirrored.contains(kind.slots[$0].role) && !stacked(kind.slots[$0]) && !loads.contains(kind.slots[$0].drain) }
        }
    }

    /// The mirror groups of a kind with the fingers their smallest device needs for ``MapOptions/mirrorMismatch``
    /// (empty when it is off): worked out once per kind, since a network has up to hundreds of thousands of cells.
    struct MirrorPlan: Sendable {
        var groups: [(members: [Int], needed: Int)]
    }

    func mirrorPlan(_ kind: CellKind) -> MirrorPlan {
        guard let sigma = options.mirrorMismatch, sigma > 0 else { return MirrorPlan(groups: []) }
        return MirrorPlan(groups: Self.mirrorGroups(kind).map { members in
            (members, members.map { catalog.matchingFingers(kind.slots[$0].polarity, kind.slots[$0].role, sigma: sigma) }.max() ?? 1)
        })
    }

    /// Scales each mirror group of a sized cell (``mirrorGroups(_:)``) by the least whole factor that gives its
    /// smallest device ``DeviceCatalog/matchingFingers(_:_:sigma:)`` for ``MapOptions/mirrorMismatch``, as long
    /// as its largest device stays within ``maximumMatchedFingers``. The currents and ratios are unchanged; the
    /// devices run at a lower density (deeper in weak inversion), and their threshold mismatch shrinks as
    /// 1/√(fingers).
    func matchMirrors(_ cell: Cell, plan: MirrorPlan) -> Cell {
        var cell = cell
        for (members, needed) in plan.groups {
            var smallest = Int.max, largest = 0
            for m in members where cell.fingers[m] > 0 {
                smallest = min(smallest, cell.fingers[m]); largest = max(largest, cell.fingers[m])
            }
            guard largest > 0 else { continue }
            let factor = min((needed + smallest - 1) / smallest, max(1, maximumMatchedFingers / largest))
            guard factor > 1 else { continue }
            for m in members { cell.fingers[m] *= factor }
        }
        return cell
    }

    /// The most fingers ``matchMirrors(_:kind:)`` gives one device.
    var maximumMatchedFingers: Int { 256 }
}
