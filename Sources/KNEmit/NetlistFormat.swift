import Foundation
import KNModel

/// The kinds of file `kn-map emit` writes.
public enum NetlistFormat: String, CaseIterable, Codable, Sendable {
    /// A B-source netlist for ngspice 39 or later (`.cir`).
    case ngspice
    /// An ngspice 46 netlist of OSDI instances (`.cir`) and the edge module it loads (`kn_<family>.va`, compiled
    /// to `.osdi` by `kn-map flow run ngspice46-osdi` or `flows/openvaf-compile.sh`).
    case ngspiceOSDI = "ngspice-osdi"
    /// The Verilog-A edge module and the structural top-level module `kn_network` (`.va`).
    case verilogA = "verilog-a"
    /// A B-source netlist in Xyce syntax (`.cir`); not simulated here.
    case xyce
    /// A VACASK netlist (`.sim`) loading the compiled edge module, and the module `kn_<family>.va` beside it.
    case vacask

    /// The extension of the main file.
    public var fileExtension: String {
        switch self {
        case .verilogA: return "va"
        case .vacask: return "sim"
        default: return "cir"
        }
    }

    /// The flow that runs this format.
    public var flow: SimulatorFlow? {
        switch self {
        case .ngspice: return .ngspice39BSource
        case .ngspiceOSDI: return .ngspice46OSDI
        case .verilogA: return nil
        case .xyce: return .xyce
        case .vacask: return .vacask
        }
    }
}

/// Writes a network's circuit in one of the ``NetlistFormat``s.
public enum NetlistEmitter {
    /// Writes `plans` to `url` in `format` and returns every file written (the main file first).
    ///
    /// - `batched`: all plans as copies in one netlist (nets `s<j>_n<k>`); otherwise `plans` must hold one plan.
    /// - `verilog-a`: `url` receives the structural module `kn_network`, the edge module goes beside it; the initial
    ///   state is stated in a comment (a Verilog-A testbench sets it), so only the first plan is used.
    @discardableResult
    public static func write(_ format: NetlistFormat, plans: [CircuitPlan], batched: Bool, to url: URL,
                             options: NgspiceOptions = NgspiceOptions()) throws -> [URL] {
        guard let plan = plans.first else { throw EmitError.invalid("inputs", "holds no sample; give at least one input") }
        guard batched || plans.count == 1 else {
            throw EmitError.invalid("batch", "\(plans.count) samples for one unbatched netlist; write one netlist per sample or a batch")
        }
        let family = plan.network.family
        let module = VerilogAWriter.moduleName(family)
        let dir = url.deletingLastPathComponent()
        switch format {
        case .ngspice:
            _ = try NgspiceBehavioralWriter.write(plans: plans, batched: batched, to: url, options: options, view: .bSources)
            return [url]
        case .ngspiceOSDI:
            let va = dir.appendingPathComponent(module + ".va")
            try VerilogAWriter.writeEdgeModule(family, scaling: plan.scaling, to: va)
            _ = try NgspiceBehavioralWriter.write(plans: plans, batched: batched, to: url, options: options, view: .osdi(library: module + ".osdi"))
            return [url, va]
        case .verilogA:
            let va = dir.appendingPathComponent(module + ".va")
            guard va.standardizedFileURL != url.standardizedFileURL else {
                throw EmitError.invalid("output", "\(url.lastPathComponent) is the name of the edge module file; name the structural top level differently (e.g. network.va)")
            }
            try VerilogAWriter.writeEdgeModule(family, scaling: plan.scaling, to: va)
            try VerilogAWriter.writeStructural(plan, edgeModuleFile: va.lastPathComponent, to: url, source: options.source)
            return [url, va]
        case .xyce:
            _ = try XyceWriter.write(plans: plans, batched: batched, to: url, options: options)
            return [url]
        case .vacask:
            _ = try VacaskWriter.write(plans: plans, batched: batched, to: url, options: options)
            return [url, dir.appendingPathComponent(module + ".va")]
        }
    }
}
