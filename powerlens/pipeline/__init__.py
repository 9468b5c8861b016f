"""The product's main job, `powerlens run`: build, validate and publish the warehouse safely."""
