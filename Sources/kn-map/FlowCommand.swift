import ArgumentParser
import Foundation
import KNEmit

struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Run emitted netlists in a circuit simulator.",
        subcommands: [FlowRunCommand.self]
    )
}

struct FlowRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one netlist written by `kn-map emit` and report where its results are.",
        discussion: """
        Flows:
          ngspice39-bsource  `--format ngspice` netlist, ngspice 39 or later
          ngspice46-osdi     `--format ngspice-osdi` netlist, ngspice 46 or
                             later; the edge module .va beside it is compiled
                             with OpenVAF-Reloaded when its .osdi is missing
                             or older
          vacask             `--format vacask` netlist (.sim) in VACASK; the
                             .va is compiled first, as for ngspice46-osdi
          xyce               Xyce is not available here: says so, exits 3
          ngspice-transistor a transistor-level netlist of a mapped circuit
                             (written by `kn-map verify --flow
                             ngspice-transistor --keep DIR`) in ngspice with
                             the foundry-model .spiceinit (hsa, nomodcheck)

        The run happens in the netlist's folder (a .spiceinit with `set num_threads=1`
        is written there); the log goes to NETLIST.log and the netlist's control block
        writes the rawfile next to it. Exit status: 0 done, 1 the simulator failed
        (timeout, non-convergence, crash), 3 the simulator is not installed.

        Examples:
          kn-map flow run ngspice39-bsource twomoon0.cir
          kn-map flow run ngspice46-osdi netlists/sample0.cir --timeout 120
          kn-map flow run vacask v0.sim
        """
    )

    @Argument(help: "ngspice39-bsource | ngspice46-osdi | vacask | xyce | ngspice-transistor")
    var flow: SimulatorFlow

    @Argument(help: "The netlist to run.")
    var netlist: String

    @Option(help: "Seconds before the simulator is stopped.")
    var timeout: Double = 600

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        let runner = FlowRunner(flow: flow, ngspice: NgspiceRunner(timeout: timeout), openvaf: OpenVAFCompiler(timeout: timeout))
        do {
            let result = try runner.run(URL(fileURLWithPath: netlist))
            let url = URL(fileURLWithPath: netlist)
            let raw = flow == .vacask ? VacaskWriter.rawfile(forNetlist: url) : url.deletingPathExtension().appendingPathExtension("raw")
            print("done: \(netlist) in \(String(format: "%.2f", result.seconds)) s (flow \(flow.rawValue))")
            print("log: \(result.log.path)")
            if FileManager.default.fileExists(atPath: raw.path) { print("rawfile: \(raw.path)") }
        } catch let error as FlowError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            if case .simulatorMissing = error { throw ExitCode(3) }
            throw ExitCode.failure
        }
    }
}
