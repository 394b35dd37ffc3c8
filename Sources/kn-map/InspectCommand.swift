import ArgumentParser
import Foundation
import KNModel

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's layers, nodes, edges, family, parameter ranges and anchors.",
        discussion: """
        With --tau (seconds per model time unit, τ = C·α/β), also the chip's forward-pass time.

        Examples:
          kn-map inspect twomoon.knm
          kn-map inspect mnist.knm --tau 100e-9 --json
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "Seconds per model time unit on the chip (τ = C·α/β).")
    var tau: Double?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        if let tau, !(tau > 0) { throw ValidationError("--tau must be a positive number of seconds, got \(tau)") }
    }

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let summary = NetworkSummary(network, tau: tau)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text, terminator: "")
        }
    }
}
