// KNSimulate: see Package.swift.
