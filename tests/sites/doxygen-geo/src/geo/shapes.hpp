/// @file shapes.hpp
/// @brief Shapes and their areas.
#pragma once
namespace geo {
/// A point in the plane.
struct Point { double x; double y; };
/// Something with an area.
class Shape {
 public:
  virtual ~Shape() = default;
  /// The area of the shape.
  virtual double area() const = 0;
};
/// A circle around a centre.
class Circle : public Shape {
 public:
  Circle(Point centre, double radius);
  double area() const override;
  /// Its centre.
  Point centre() const;
 private:
  Point centre_;
  double radius_;
};
/// A rectangle with sides parallel to the axes.
class Rect : public Shape {
 public:
  Rect(Point a, Point b);
  double area() const override;
};
}  // namespace geo
