// A program that uses no GMP is not linked with it although the compile
// command names -lgmpxx -lgmp (-Wl,--as-needed): no libgmp among its
// mappings.
#include <fstream>
#include <iostream>
#include <string>

int main() {
	std::ifstream maps("/proc/self/maps");
	std::string line;
	bool gmp = false, libstdcxx = false;
	while (std::getline(maps, line)) {
		gmp = gmp || line.find("libgmp") != std::string::npos;
		libstdcxx = libstdcxx || line.find("libstdc++") != std::string::npos;
	}
	std::cout << "libstdc++ " << libstdcxx << " libgmp " << gmp << "\n";
	return 0;
}
