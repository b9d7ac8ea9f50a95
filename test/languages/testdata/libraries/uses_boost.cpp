// Boost's header-only libraries: Multiprecision's cpp_int, the string
// algorithms and gcd.
#include <boost/algorithm/string.hpp>
#include <boost/integer/common_factor.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <boost/version.hpp>
#include <iostream>
#include <string>
#include <vector>

int main() {
	boost::multiprecision::cpp_int f = 1;
	for (int i = 2; i <= 30; i++) {
		f *= i;
	}
	std::cout << "30! = " << f << "\n";
	std::string s = "  Code,Racer,Boost  ";
	boost::algorithm::trim(s);
	std::vector<std::string> parts;
	boost::algorithm::split(parts, s, boost::is_any_of(","));
	std::cout << "parts " << parts.size() << " " << boost::algorithm::to_upper_copy(parts[1]) << "\n";
	std::cout << "gcd " << boost::integer::gcd(1071, 462) << "\n";
	std::cout << "boost " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "\n";
	return 0;
}
