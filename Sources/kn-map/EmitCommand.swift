import ArgumentParser
import Foundation
import KNEmit
import KNModel

/// The chip scaling options shared by `emit` and `verify` (DESIGN.md §3 defaults).
struct ScalingOptions: ParsableArguments {
    @Option(help: "Volts per model unit of voltage (α).")
    var alpha: Double = ChipScaling.standard.alpha

    @Option(help: "Amperes per model unit of current (β).")
    var beta: Double = ChipScaling.standard.beta

    @Option(help: "Node capacitance in farads (C).")
    var cap: Double = ChipScaling.standard.capacitance

    @Option(help: "The common-mode voltage that stands for model value 0 and for model ground (V_CM).")
    var vcm: Double = ChipScaling.standard.vcm

    @Option(help: "The supply voltage of the rail vdd, stated in headers and driven by an ideal source.")
    var supply: Double = ChipScaling.standard.supplies[0].volts

    var scaling: ChipScaling {
        ChipScaling(alpha: alpha, beta: beta, capacitance: cap, vcm: vcm, supplies: [Supply(name: "vdd", volts: supply)])
    }

    func validate() throws {
        do { try scaling.validate() } catch { throw ValidationError("--alpha/--beta/--cap/--vcm/--supply: \(error.description)") }
    }

    /// The line every command prints so that a user sees the numbers the netlist states.
    var summary: String {
        let s = scaling
        return "scaling: alpha = \(s.alpha) V/unit, beta = \(s.beta) A/unit, C = \(s.capacitance) F, V_CM = \(s.vcm) V, vdd = \(supply) V, tau = C*alpha/beta = \(s.tau) s"
    }
}

extension NetlistFormat: ExpressibleByArgument {}
extension SimulatorFlow: ExpressibleByArgument {}

/// Reads an inputs file (model units) for `emit` and `verify`.
func readInputs(_ path: String) throws -> [[Double]] {
    let table = try SampleTable.read(from: URL(fileURLWithPath: path))
    guard table.rows > 0 else { throw ValidationError("\(path): holds no sample; give at least one row of inputs") }
    return table.samples
}

struct EmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Write a network's behavioral circuit as an ngspice, ngspice-OSDI, Verilog-A, Xyce or VACASK netlist.",
        discussion: """
        The circuit: a capacitor C per node, model ground held at V_CM, one device per
        edge carrying I = beta·i(vs, vd) with vs = (V(src) − V_CM)/alpha, and one gate
        per layer that switches the layer on during [t_k, t_k+1)·tau. Every file
        states alpha, beta, C, tau, V_CM and the supply in its header.

        Formats:
          ngspice       B-source netlist (ngspice 39 or later)
          ngspice-osdi  OSDI instances + the edge module kn_<family>.va beside
                        it (`kn-map flow run ngspice46-osdi` compiles it)
          verilog-a     edge module + structural top level kn_network
                        (OUT is the top-level .va)
          xyce          B-source netlist in Xyce syntax
                        (NOT simulated here: Xyce is not available)
          vacask        VACASK netlist (.sim) + the edge module .va
                        (`kn-map flow run vacask` compiles and runs it)

        Where the netlists go:
          --sample i    OUT is one netlist for sample i of --inputs
          --batch       OUT is one netlist with every sample as a separate
                        copy of the circuit (nets s<j>_n<k>)
          otherwise     OUT is a folder with one self-contained netlist per
                        sample: sample0.cir, sample1.cir, ...

        Examples:
          kn-map emit tm.knm --format ngspice --inputs x.csv --sample 0 -o tm0.cir
          kn-map emit tm.knm --format ngspice-osdi --inputs x.csv -o netlists/
          kn-map emit tm.knm --format ngspice --inputs x.csv --batch -o all.cir
          kn-map emit tm.knm --format xyce --inputs x.csv --sample 3 -o x3.cir
          kn-map emit tm.knm --format vacask --inputs x.csv --sample 0 -o v0.sim
          kn-map emit tm.knm --format verilog-a -o tm_network.va
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "ngspice | ngspice-osdi | verilog-a | xyce | vacask")
    var format: NetlistFormat

    @OptionGroup var scaling: ScalingOptions

    @Option(help: "Inputs in model units: .csv (a sample per line), .npy or .json (an array of samples, or {\"inputs\": [...]}).")
    var inputs: String?

    @Option(help: "Write only sample i (0-based) of --inputs, to the file OUT.")
    var sample: Int?

    @Flag(help: "Write every sample of --inputs into one netlist OUT, as separate copies of the circuit.")
    var batch = false

    @Option(name: .shortAndLong, help: "The netlist file (with --sample or --batch, or for verilog-a), else a folder.")
    var output: String

    func validate() throws {
        if let sample, sample < 0 { throw ValidationError("--sample must be 0 or more, got \(sample)") }
        if sample != nil && batch { throw ValidationError("--sample and --batch exclude each other: one sample, or all in one netlist") }
        if format != .verilogA && inputs == nil {
            throw ValidationError("--inputs FILE is needed: a netlist starts from the node voltages of an input sample")
        }
        if format == .verilogA && batch { throw ValidationError("--batch does not apply to verilog-a (the structural module has no initial state)") }
    }

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let samples = try inputs.map(readInputs) ?? [[]]
        if let sample, sample >= samples.count {
            throw ValidationError("--sample \(sample): \(inputs ?? "") holds \(samples.count) sample(s), numbered 0…\(samples.count - 1)")
        }
        let s = scaling.scaling
        var options = NgspiceOptions()
        options.source = URL(fileURLWithPath: model).lastPathComponent
        let out = URL(fileURLWithPath: output)
        func plan(_ i: Int) throws -> CircuitPlan {
            do { return try CircuitPlan(network: network, scaling: s, inputs: samples[i]) } catch {
                throw ValidationError("sample \(i) of \(inputs ?? "the inputs"): \(error.description)")
            }
        }
        var written: [URL] = []
        if format == .verilogA || sample != nil || batch {
            let plans = batch ? try samples.indices.map(plan) : [try plan(sample ?? 0)]
            try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
            written = try NetlistEmitter.write(format, plans: plans, batched: batch, to: out, options: options)
        } else {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let width = max(1, String(samples.count - 1).count)
            for i in samples.indices {
                let name = "sample" + String(repeating: "0", count: width - String(i).count) + String(i) + "." + format.fileExtension
                let files = try NetlistEmitter.write(format, plans: [try plan(i)], batched: false,
                                                     to: out.appendingPathComponent(name), options: options)
                for f in files where !written.contains(f) { written.append(f) }
            }
        }
        print(scaling.summary)
        for f in written { print("wrote \(f.path)") }
        if format == .xyce { print("note: \(SimulatorFlow.xyceUnavailable)") }
    }
}
