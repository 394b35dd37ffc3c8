import ArgumentParser
import Foundation
import KNImport

struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Write the shipped example network as an upstream checkpoint (config.yaml + model.pth).",
        discussion: """
        A 2-D ShiftTanh2 KirchhoffNet with 2 layers of 60 edges and seeded parameters, in the same format the
        KirchhoffNet authors publish, so every command can be tried without a downloaded checkpoint.

        Example:
          kn-map example -o example && kn-map import example/model.pth example/config.yaml -o example.knm
        """
    )

    @Option(name: .shortAndLong, help: "The folder to write config.yaml and model.pth into.")
    var output: String = "example"

    func run() throws {
        let folder = URL(fileURLWithPath: output)
        try ExampleCheckpoint.write(to: folder)
        print("wrote \(folder.appendingPathComponent("config.yaml").path) and \(folder.appendingPathComponent("model.pth").path)")
    }
}
