import Foundation
import KNMap
import KNProcess

/// Loads a process description `pdk/<name>.xml` with its gm/ID table `pdk/<name>.gmid.json`, as `map` and
/// `verify --flow ngspice-transistor` need them.
enum ProcessCatalog {
    static func load(_ name: String) throws -> DeviceCatalog {
        try DeviceCatalog(processFile: try ToolkitFolders.processDescription(name))
    }
}
