print("kn-map")
