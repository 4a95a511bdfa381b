import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ROLES, type Role } from './role';
import type { ApiToken } from './api-token.entity';
import type { User } from './user.entity';

export class UserCreateDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'ada' })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ enum: ROLES, example: 'editor' })
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role: Role;
}

export class TokenCreateDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'ci' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;
}

/** A new user with its first token, whose secret is shown only here. */
export class UserCreatedResponseDto extends UserResponseDto {
  @ApiProperty({ description: 'Token secret; store it, it is not shown again' })
  token: string;

  @ApiProperty({ format: 'uuid' })
  tokenId: string;
}

/** The caller itself. */
export class MeResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ROLES })
  role: Role;
}

export class TokenResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: Date | null;
}

/** A token as returned once, at creation, with its secret. */
export class IssuedTokenResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ description: 'Token secret; store it, it is not shown again' })
  token: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;
}

export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
  };
}

export function toTokenResponse(token: ApiToken): TokenResponseDto {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    createdAt: token.createdAt,
    revokedAt: token.revokedAt,
  };
}
