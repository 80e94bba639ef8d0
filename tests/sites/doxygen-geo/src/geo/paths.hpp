/// @file paths.hpp
/// @brief Paths through points.
#pragma once
#include "shapes.hpp"
namespace geo {
/// @defgroup paths Paths
/// Ways through the plane.
/// @{
/// The length of a path through @p n points.
double length(const Point* points, int n);
/// A closed path.
class Polygon : public Shape {
 public:
  double area() const override;
};
/// @}
namespace detail {
/// Helpers nobody should call.
int hidden_helper(int x);
}
}  // namespace geo
