import ArgumentParser
import Foundation
import KNEmit
import KNModel

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Simulate a network's circuit and compare it with the model at every anchor.",
        discussion: """
        Writes the behavioral circuit of MODEL for every sample of --inputs (one
        netlist per sample, or --samples-per-netlist copies in each), runs the
        netlists in the flow's simulator (--processes at a time, default one per
        core), reads the node voltages at every t_end anchor, maps them to model units
        through (V − V_CM)/alpha, and compares them with the model integrated exactly
        (KNSimulate's Simulator, method exact: CVODES Adams at rtol = atol = 1e-10).
        Prints the scaling and the largest |difference| per sample and anchor; exits
        with status 1 when a difference exceeds --tolerance, 3 when the flow's
        simulator is not installed (xyce always).

        --flow ngspice-transistor simulates the mapped circuit instead: every cell
        with its sized foundry transistors, MIM node capacitors, transmission-gate
        layer switches, and ideal supplies, references and bias currents only. The
        circuit is --circuit (a circuit.json written by `kn-map map`), or MODEL
        mapped onto --pdk here with every cell calibrated in ngspice (slow: about
        a minute per 60 cells). One netlist per sample runs in ngspice (--processes
        at a time, --timeout each, default 7200 s); node voltages at the anchors map
        to model units with the scale of the layer that just ended. Prints the RMS
        and the largest |difference| per sample and anchor and exits 1 when an RMS
        exceeds --tolerance (default 0.05 for this flow). --characterized FILE (the
        characterized.json of `kn-map map --characterize-edges`) also compares the
        circuit with the model on the laws fitted to its cells, which separates what
        the netlist does (switches, capacitors, settling) from the cells' static
        error; an RMS above --characterized-tolerance (default 0.01) fails too.
        --target ORIGINAL.knm compares the circuit with ORIGINAL's outputs instead of
        MODEL's, for a MODEL retrained against its cells (kn-map retrain
        --characterized) that must do what ORIGINAL did.
        --alpha/--beta/--cap/--vcm do not apply: the scaling is the mapped circuit's.

        Examples:
          kn-map verify tm.knm --flow ngspice39-bsource --inputs x.csv
          kn-map verify tm.knm --flow ngspice46-osdi --inputs x.csv --keep run/
          kn-map verify tm.knm --flow vacask --inputs x.json --tolerance 1e-5
          kn-map verify net.knm --flow ngspice46-osdi --inputs x.json --alpha 0.05
          kn-map verify tm.knm --flow ngspice-transistor --pdk sky130 --inputs x.json
          kn-map verify tm.knm --flow ngspice-transistor --circuit tm-sky130/circuit.json --inputs x.json --processes 1 --keep run/
          kn-map verify tm.knm --flow ngspice-transistor --circuit chip/circuit.json --characterized chip/characterized.json --inputs x.json
          kn-map verify tm-pre.knm --flow ngspice-transistor --circuit pre/circuit.json --target tm.knm --inputs x.json
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "ngspice39-bsource | ngspice46-osdi | vacask | xyce | ngspice-transistor")
    var flow: SimulatorFlow

    @Option(help: "Inputs in model units: .csv (a sample per line), .npy or .json.")
    var inputs: String

    @Option(help: "The largest allowed |difference| in model units (default 1e-4); for ngspice-transistor the largest allowed RMS difference at an anchor (default 0.05).")
    var tolerance: Double?

    @Option(help: "Seconds before a simulator run is stopped (default 600; 7200 for ngspice-transistor).")
    var timeout: Double?

    @Option(help: "ngspice-transistor: the process to map onto (sky130, gf180mcu); with --circuit it must be the circuit's.")
    var pdk: String?

    @Option(help: "ngspice-transistor: a circuit.json written by `kn-map map` for MODEL (default: map MODEL here, calibrating every cell).")
    var circuit: String?

    @Option(help: "ngspice-transistor: also compare with the model on these characterized laws (a characterized.json of `kn-map map --characterize-edges` for the same circuit).")
    var characterized: String?

    @Option(help: "ngspice-transistor: the network the circuit must reproduce when MODEL was retrained against its cells (kn-map retrain --characterized): compare with this model's outputs instead of MODEL's.")
    var target: String?

    @Option(help: "ngspice-transistor: the largest allowed RMS difference against --characterized, model units.")
    var characterizedTolerance: Double = 0.01

    @OptionGroup var scaling: ScalingOptions

    @Option(help: "Keep the netlist, log and rawfile in this folder (default: a temporary folder, removed afterwards).")
    var keep: String?

    @Flag(help: "Also print every node's expected and simulated value.")
    var details = false

    @Option(help: "Simulators to run at once (default: one per core).")
    var processes: Int?

    @Option(help: "Samples per netlist, as separate copies of the circuit (default 1).")
    var samplesPerNetlist: Int = 1

    @Flag(help: "ngspice-transistor: instantiate the foundry's MOSFET subcircuits and let ngspice bin every instance, instead of naming each transistor's bin (the same circuit; set-up grows with the square of the transistor count on sky130).")
    var foundrySubcircuits = false

    @Option(help: "ngspice-transistor: how ngspice reaches the operating point: auto (nodesets up to 100 cells, a settle phase beyond), cold (from zero, by gmin stepping), nodesets (the typical cells' nets), settle (a settle phase before t = 0 whose pulls to the typical nets fade out). The same solution each way.")
    var start: StartChoice = .auto

    @Option(help: "ngspice-transistor: the settle phase's length in model time units (with --start settle or auto).")
    var settle: Double = SettlePhase().duration

    enum StartChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, cold, nodesets, settle
    }

    var toleranceValue: Double { tolerance ?? (flow == .ngspiceTransistor ? 0.05 : 1e-4) }
    var timeoutValue: Double { timeout ?? (flow == .ngspiceTransistor ? 7200 : 600) }

    func validate() throws {
        if let tolerance { guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number of model units") } }
        if let timeout { guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") } }
        guard settle > 0, settle.isFinite else { throw ValidationError("--settle must be a positive number of model time units") }
        if flow == .ngspiceTransistor {
            guard pdk != nil || circuit != nil else {
                throw ValidationError("--flow ngspice-transistor needs --pdk NAME (to map MODEL) or --circuit FILE (a circuit.json from `kn-map map`)")
            }
            if samplesPerNetlist != 1 { throw ValidationError("--samples-per-netlist does not apply to ngspice-transistor (one netlist per sample)") }
            guard characterizedTolerance > 0, characterizedTolerance.isFinite else {
                throw ValidationError("--characterized-tolerance must be a positive number of model units")
            }
        } else if pdk != nil || circuit != nil || characterized != nil || target != nil {
            throw ValidationError("--pdk, --circuit, --characterized and --target apply to --flow ngspice-transistor only")
        }
        if let processes, processes < 1 { throw ValidationError("--processes must be at least 1") }
        if samplesPerNetlist < 1 { throw ValidationError("--samples-per-netlist must be at least 1") }
    }

    func run() throws {
        if flow == .ngspiceTransistor { return try runTransistor() }
        let tolerance = toleranceValue, timeout = timeoutValue
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let samples = try readInputs(inputs)
        let folder = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kn-verify-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        let runner = FlowRunner(flow: flow, ngspice: NgspiceRunner(timeout: timeout), openvaf: OpenVAFCompiler(timeout: timeout))
        var options = NgspiceOptions()
        options.source = URL(fileURLWithPath: model).lastPathComponent
        let result: CircuitVerification
        do {
            result = try CircuitVerifier.verify(network: network, inputs: samples, flow: flow, scaling: scaling.scaling,
                                                folder: folder, tolerance: tolerance, options: options, runner: runner,
                                                samplesPerNetlist: samplesPerNetlist, processes: processes)
        } catch let error as FlowError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            if case .simulatorMissing = error { throw ExitCode(3) }
            throw ExitCode.failure
        }
        print(result.table(details: details))
        if keep != nil { print("kept: \(folder.path) (netlists, logs, rawfiles)") }
        if !result.passed { throw ExitCode.failure }
    }
}
