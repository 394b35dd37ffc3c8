import Foundation

/// A written transistor-level netlist (``TransistorNetlistWriter``) and what reading it back needs.
public struct TransistorNetlist: Sendable {
    /// The netlist file.
    public let url: URL
    /// The rawfile its control block writes (next to the netlist; node voltages only).
    public let rawfile: URL
    /// The switch schedule (anchor times in seconds).
    public let schedule: TransistorSchedule
    /// For each anchor, the number of nodes that form the state there (N of the layer just finished; for
    /// anchor 0, N of the first layer).
    public let stateWidths: [Int]
    /// The initial model value of nodes 1…N.
    public let initialState: [Double]
    /// What the netlist holds.
    public let statistics: Statistics

    /// Element counts of a transistor netlist.
    public struct Statistics: Sendable, Hashable, Codable {
        /// Edge cells (one per edge of every layer).
        public var cells: Int
        /// Distinct cell subcircuits after merging cells with equal device sizes.
        public var cellSubcircuits: Int
        /// MOSFET instances (cells, layer switches, bank switches).
        public var mosfets: Int
        /// Transmission gates: layer switches (with their dump gates) and bank reset/join gates.
        public var transmissionGates: Int
        /// Capacitor instances (units of every node capacitor and bank).
        public var capacitorUnits: Int
        /// Ideal current sources (the cells' bias references).
        public var biasSources: Int
    }
}
