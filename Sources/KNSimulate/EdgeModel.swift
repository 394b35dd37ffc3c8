import KNModel

/// Which current law the simulated edges follow.
public enum EdgeModel: Hashable, Sendable {
    /// The network's own edge family: what the trained network computes.
    case ideal
    /// The laws fitted to the transistor cells (``CharacterizedEdges``), the family's law on edges that were not
    /// characterized: what the mapped circuit computes.
    case characterized(CharacterizedEdges)

    /// `ideal` or `characterized`, for reports.
    public var name: String {
        switch self {
        case .ideal: return "ideal"
        case .characterized: return "characterized"
        }
    }
}
