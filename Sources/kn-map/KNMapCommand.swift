import ArgumentParser

/// `kn-map`: from a trained KirchhoffNet checkpoint to an analog circuit.
@main
struct KNMapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kn-map",
        abstract: "Turn a trained KirchhoffNet into an analog circuit, and check that the circuit still works.",
        discussion: """
        The pipeline: import a checkpoint (model.pth + config.yaml) into a model file, inspect it,
        simulate it, then map, emit and verify circuits.

        Examples:
          kn-map import results/twomoon/model.pth results/twomoon/config.yaml -o twomoon.knm
          kn-map inspect twomoon.knm --tau 100e-9
          kn-map simulate twomoon.knm --samples 16 --seed 1 --method exact -o out.csv
        """,
        version: "0.1.0",
        subcommands: [
            ExampleCommand.self, ImportCommand.self, InspectCommand.self, SubnetCommand.self, SimulateCommand.self,
            PDKCommand.self, MapCommand.self, CharacterizeCommand.self, EmitCommand.self, FlowCommand.self, VerifyCommand.self,
            MonteCarloCommand.self, CellMonteCarloCommand.self, NetlistMonteCarloCommand.self, CornersCommand.self, RetrainCommand.self, BenchCommand.self,
        ]
    )

    /// ArgumentParser's own `main`, with an `InterruptCleanup` that owns SIGINT and SIGTERM: an interrupted run
    /// removes the unfinished temporary files of the command's outputs and exits with 130 or 143.
    static func main() async {
        let cleanup = InterruptCleanup()
        do {
            var command = try parseAsRoot()
            if let writer = command as? WritesFiles { cleanup.watch(writer.outputFiles) }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            cleanup.exit(withError: error) { exit(withError: $0) }
        }
    }
}
