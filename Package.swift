// swift-tools-version:6.1
import PackageDescription

/// kn-toolkit: turns a trained KirchhoffNet into an analog integrated circuit.
///
/// The modules follow the pipeline: import → model → simulate → map → emit → vary.
/// `CSundials` and `CLibXML2` wrap the Debian system libraries the stages use.
let package = Package(
    name: "kn-toolkit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kn-map", targets: ["kn-map"]),
        .library(name: "KNModel", targets: ["KNModel"]),
        .library(name: "KNImport", targets: ["KNImport"]),
        .library(name: "KNSimulate", targets: ["KNSimulate"]),
        .library(name: "KNProcess", targets: ["KNProcess"]),
        .library(name: "KNEmit", targets: ["KNEmit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        // System libraries (Debian packages), one shim module each.
        .systemLibrary(
            name: "CSundials",
            path: "Sources/CSundials",
            providers: [.apt(["libsundials-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            path: "Sources/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        // model: the network as upstream defines it, and the native model file.
        .target(name: "KNModel"),
        // import: PyTorch checkpoints (zip + pickle + tensors) and config.yaml.
        .target(name: "KNImport", dependencies: [
            "KNModel",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // simulate: the KCL ODE on SUNDIALS (ARKODE Dormand–Prince, CVODE).
        .target(name: "KNSimulate", dependencies: ["KNModel", "CSundials"]),
        // process: PDK descriptions (XML + XSD via libxml2).
        .target(name: "KNProcess", dependencies: ["CLibXML2"]),
        // map: edges → sized transistor cells.
        .target(name: "KNMap", dependencies: ["KNModel", "KNProcess", "KNSimulate"]),
        // emit: Verilog-A and SPICE writers, simulator flows and rawfiles.
        .target(name: "KNEmit", dependencies: ["KNModel", "KNSimulate", "KNProcess", "KNMap"], resources: []),
        // vary: mismatch, noise and Monte Carlo.
        .target(name: "KNVary", dependencies: ["KNModel", "KNSimulate", "KNProcess", "KNMap"]),

        .executableTarget(name: "kn-map", dependencies: [
            "KNModel", "KNImport", "KNSimulate", "KNProcess", "KNMap", "KNEmit", "KNVary",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Locates ../shared and the built kn-map for tests.
        .target(name: "KNTestSupport", path: "Tests/KNTestSupport"),
        .testTarget(name: "KNModelTests", dependencies: ["KNModel"]),
        .testTarget(name: "KNImportTests", dependencies: ["KNTestSupport", "KNImport", "KNModel"], exclude: ["Fixtures"]),
        .testTarget(name: "KNSimulateTests", dependencies: ["KNTestSupport", "KNSimulate", "KNImport", "KNModel"], exclude: ["Fixtures"]),
        .testTarget(name: "KNProcessTests", dependencies: ["KNTestSupport", "KNProcess"]),
        .testTarget(name: "KNEmitTests", dependencies: ["KNTestSupport", "KNEmit", "KNImport", "KNSimulate", "KNModel", "KNMap", "KNProcess"]),
        .testTarget(name: "KNMapTests", dependencies: ["KNTestSupport", "KNMap", "KNImport", "KNSimulate", "KNModel", "KNProcess", "KNVary"]),
        .testTarget(name: "KNVaryTests", dependencies: ["KNTestSupport", "KNVary", "KNImport", "KNSimulate", "KNModel"]),
        .testTarget(name: "KNMapCLITests", dependencies: ["KNTestSupport", "kn-map", "KNModel", "KNEmit", "KNMap"]),
    ]
)
