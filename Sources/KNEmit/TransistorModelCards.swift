import KNProcess

/// How a run's transistor netlists instantiate the foundry's MOSFETs, decided once per run: the foundry's model
/// cards lifted to the top level (``KNProcess/PrebinnedModels``, each transistor an `M` line naming its bin), or
/// the foundry's own subcircuits. Reading the cards takes seconds, so a run that writes many netlists (one per
/// input, the typical-cell bench) reads them once and hands this value to every writer.
public struct TransistorModelCards: Sendable {
    /// The lifted cards, or nil when the netlists instantiate the foundry's subcircuits.
    public let prebinned: PrebinnedModels?
    /// The choice and its reason, for the netlist header (`* transistor models: …`).
    public let summary: String
    /// Whether the netlists draw mismatch (then the cards are never shared).
    public let mismatch: Bool

    /// Decides the form for `corner`: the subcircuits when `mismatch` is on (every instance draws its own
    /// mismatch from its l, w and mult) or `preferPrebinned` is off, or when the cards cannot be shared (the
    /// reason goes into ``summary``); else the lifted cards.
    public init(process: ProcessDescription, corner: Corner, root: PDKRoot, mismatch: Bool, preferPrebinned: Bool = true) {
        var summary = "foundry subcircuits (ngspice bins every instance)"
        var lifted: PrebinnedModels?
        if mismatch {
            summary += ": mismatch is drawn per instance"
        } else if preferPrebinned {
            do {
                let models = try PrebinnedModels(process: process, corner: corner, root: root)
                if !models.isEmpty {
                    lifted = models
                    summary = "pre-binned: the foundry's model cards once at the top level, each transistor an M line naming its bin"
                }
            } catch {
                summary += ": the cards cannot be shared (\(error))"
            }
        }
        self.prebinned = lifted
        self.summary = summary
        self.mismatch = mismatch
    }

    /// The header comment line.
    public var headerLine: String { "* transistor models: \(summary)" }
}
